"""What every crash method provides."""
from __future__ import annotations

import argparse
from typing import Optional

from tripleo_instanceha.errors import InstanceHAError


class DrillRefused(InstanceHAError):
    """The drill will not run: the message says why and what to do instead."""


class CrashMethod:
    """One way to fail a compute; built from the parsed arguments and the Nova host."""

    NAME = ""
    HELP = ""

    def __init__(self, host: str, args: argparse.Namespace):
        self.host = host
        self.args = args

    @classmethod
    def add_arguments(cls, group) -> None:
        """The method's own options (none by default)."""

    def describe(self) -> str:
        raise NotImplementedError

    def check(self) -> None:
        """Raise DrillRefused when crashing would be wrong or cannot work; never changes
        anything."""

    def crash(self) -> Optional[str]:
        """Fail the compute; a note for the timeline when the outcome is not certain
        (raise DrillRefused only when nothing was done)."""
        raise NotImplementedError
