"""How a drill fails its compute: one module per method, as production would see it.

A method answers three things: what it will do (``describe``, for ``--dry-run``),
whether it may run here (``check``, read-only: it refuses, with the fix, anything
that would crash the wrong machine), and the crash itself (``crash``). None fences
through pacemaker: the point of a drill is that the cluster has to notice.
"""
from __future__ import annotations

import argparse
from typing import Dict, Type

from tripleo_instanceha.drill.methods import bmc_power_off, sysrq_crash
from tripleo_instanceha.drill.methods.base import CrashMethod, DrillRefused

#: name -> method class (adding a method = one module plus one line here)
METHODS: Dict[str, Type[CrashMethod]] = {
    m.NAME: m for m in (bmc_power_off.BmcPowerOff, sysrq_crash.SysrqCrash)}

__all__ = ["METHODS", "CrashMethod", "DrillRefused", "add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every method's own options, in a group each."""
    for method in METHODS.values():
        method.add_arguments(parser.add_argument_group(f"--method {method.NAME}"))
