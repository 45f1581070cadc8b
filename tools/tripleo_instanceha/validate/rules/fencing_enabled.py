"""Instance HA needs fencing: EnableFencing true and a non-empty FencingConfig.

Why: evacuation starts only after pacemaker has fenced the failed compute
(fence_compute sits in the same level as the power device); without
fencing, a dead compute is never evacuated.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "fencing-enabled"
KIND = "plan"
DESCRIPTION = "EnableFencing is true and FencingConfig is not empty"
FIX = "generate the fencing environment (tripleo-instanceha fencing generate instackenv.json " \
    "-o fencing.yaml) and pass it with -e"


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested:
        return
    if not ctx.plan._bool(ctx.param(P.ENABLE_FENCING, False)):
        source, line = ctx.param_location(P.ENABLE_FENCING)
        state = f"is {ctx.param(P.ENABLE_FENCING)!r}" if ctx.is_set(P.ENABLE_FENCING) \
            else "is not set (default false)"
        yield error(ID, f"EnableFencing {state}: failed computes are never fenced, so never "
                    "evacuated", source, line, FIX)
    value = ctx.param(P.FENCING_CONFIG, None)
    empty = value in (None, "", {}, []) or (isinstance(value, dict) and not value.get("devices"))
    if empty:
        source, line = ctx.param_location(P.FENCING_CONFIG)
        yield error(ID, "FencingConfig has no devices: no node can be fenced", source, line, FIX)
