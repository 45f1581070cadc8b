"""The Instance HA role must keep every service of the release's Compute role.

Why: upstream's ComputeInstanceHA role was a hand-made copy of Compute that
drifted (it lost Rear in Wallaby); a protected compute silently missing a
service the release deploys on every other compute is found only in
production.
"""
from __future__ import annotations

from typing import Iterator, List, Optional

from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, warning

ID = "role-drift"
KIND = "plan"
DESCRIPTION = "the Instance HA role has every service of the target release's Compute role"
FIX = "add the services to the role, or regenerate it from the release's Compute role with " \
    "'tripleo-instanceha roles generate'"


def _compute_services(ctx: PlanContext) -> tuple:
    """(services, where they come from) of the release's Compute role."""
    services: Optional[List[str]] = ctx.target.role_services("Compute") if ctx.target else None
    if services is not None:
        return services, f"{ctx.target.root}/roles/Compute.yaml"
    compute = ctx.plan.role("Compute")
    if compute is not None:
        return compute.services, f"the Compute role of {ctx.plan.roles_file}"
    return None, None


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_roles:
        return
    services, origin = _compute_services(ctx)
    if not services:
        return
    for role in ctx.iha_roles:
        missing = [s for s in services if not role.has(s)]
        if missing:
            names = [s.rsplit("::", 1)[-1] for s in missing]
            short = ", ".join(names[:12]) + (f" and {len(names) - 12} more"
                                             if len(names) > 12 else "")
            source, line = ctx.role_location(role, "ServicesDefault")
            yield warning(ID, f"role {role.name} lacks {len(missing)} service(s) of {origin}: "
                          f"{short}; its computes will not get them", source, line, FIX)
