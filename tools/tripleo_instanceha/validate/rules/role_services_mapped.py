"""Every service of every role must be mapped in the merged resource_registry.

Why: Heat refuses the whole stack ("The Resource Type (...) could not be
found") when one role lists a service no environment maps; typically a
service spelled wrong or a role file from another release. Static, so it
also runs with --no-engine.
"""
from __future__ import annotations

import os
from typing import Iterator

from tripleo_instanceha.plan.roles import PREFIX
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "role-services-mapped"
KIND = "plan"
DESCRIPTION = "every service a role lists is mapped in the resource_registry (with --templates)"
FIX = "correct the service name, or add the environment that maps it (or use the roles of " \
    "this THT release)"


def check(ctx: PlanContext) -> Iterator[Finding]:
    env = ctx.plan.environment
    if not ctx.target or not any(
            os.path.basename(f).startswith("overcloud-resource-registry")
            for f in env.files):
        return  # without THT's base registry, nothing says what is mapped
    for role in ctx.plan.roles:
        missing = [s for s in role.services
                   if s.startswith(PREFIX) and env.resolve(s) is None]
        if missing:
            source, line = ctx.role_location(role, "ServicesDefault")
            more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
            shown = ", ".join(missing[:8]) + more
            yield error(ID, f"role {role.name} lists {len(missing)} service(s) no environment "
                        f"maps: {shown}", source, line, FIX)
