"""NovaComputeStartupDelay and Instance HA exclude each other.

Why: THT starts nova-compute through the delay wrapper only under
``compute_startup_delay: and(NovaComputeStartupDelay != 0, not
EnableInstanceHA)`` (18.0.0 ``deployment/nova/nova-compute-container-puppet.yaml:860-863``,
14.3.0 ``:829-832``). EnableInstanceHA is a global parameter, so with Instance
HA the delay is dropped on every compute, plain ones included: an operator
relying on it (for Ceph to recover after a reboot) is misled. THT takes the
delay with ``get_param``, not from ``RoleParametersValue``, so a
``<Role>Parameters`` value is never read at all. Queens' 8.4.1 and Train's
11.6.0 have no NovaComputeStartupDelay: there it does nothing anywhere.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "startup-delay"
KIND = "plan"
DESCRIPTION = "NovaComputeStartupDelay is not set together with Instance HA"
FIX = "remove NovaComputeStartupDelay (Instance HA's start wrapper already holds nova-compute " \
    "back until the host is safe; plain computes get no delay while EnableInstanceHA is true)"
ROLE_FIX = "remove it from the role's parameters: THT reads only the global " \
    "NovaComputeStartupDelay"


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
                    "HA enabled: THT drops the delay on every compute (EnableInstanceHA is "
                    "global), plain computes included", source, line, FIX)
    for role in ctx.plan.roles:
        name = f"{role.name}Parameters"
        params = ctx.param(name, None)
        if isinstance(params, dict) and _nonzero(params.get(P.STARTUP_DELAY, 0)):
            source, line = ctx.param_location(name)
            yield warning(ID, f"{name} sets NovaComputeStartupDelay, which THT never reads "
                          "per role (nova-compute takes the global parameter with get_param); "
                          "with Instance HA the global one is dropped as well",
                          source, line, ROLE_FIX)
