"""NovaComputeStartupDelay and Instance HA exclude each other.

Why: with Instance HA nova-compute starts through check-run-nova-compute
(it waits until evacuations off this host are done); THT's nova-compute
template then ignores the delay, so an operator relying on it is misled.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "startup-delay"
KIND = "plan"
DESCRIPTION = "NovaComputeStartupDelay is not set together with Instance HA"
FIX = "remove NovaComputeStartupDelay (Instance HA's start wrapper already holds nova-compute " \
    "back until the host is safe)"


def _nonzero(value) -> bool:
    try:
        return float(str(value)) != 0
    except ValueError:
        return bool(value)


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested:
        return
    if ctx.is_set(P.STARTUP_DELAY) and _nonzero(ctx.param(P.STARTUP_DELAY)):
        source, line = ctx.param_location(P.STARTUP_DELAY)
        yield error(ID, f"NovaComputeStartupDelay is {ctx.param(P.STARTUP_DELAY)} with Instance "
                    "HA enabled: the delay is ignored on Instance HA computes", source, line, FIX)
    for role in ctx.iha_roles:
        name = f"{role.name}Parameters"
        params = ctx.param(name, None)
        if isinstance(params, dict) and _nonzero(params.get(P.STARTUP_DELAY, 0)):
            source, line = ctx.param_location(name)
            yield error(ID, f"{name} sets NovaComputeStartupDelay for an Instance HA role: "
                        "it is ignored there", source, line, FIX)
