"""The whole composed overcloud, as `overcloud deploy` would send it, validated by Heat.

Why: only the composed stack shows what the merged environments do to THT:
an unmapped or mistyped service, a registry path to a broken template, a
parameter constraint violated by an environment value. The release is
rendered for the plan's roles by its own process-templates.py (cached).
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "overcloud-engine"
KIND = "plan"
NEEDS_ENGINE = True
DESCRIPTION = "the composed overcloud (THT rendered for the plan's roles + all -e files) " \
    "validates in openstack-heat's engine"
FIX = "correct the template or environment Heat names"


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.target or not ctx.plan.roles_file:
        return
    from tripleo_instanceha import heat_engine
    from tripleo_instanceha.errors import InstanceHAError
    from tripleo_instanceha.tht.tools import rendered_tree
    try:
        tree, _ = rendered_tree(ctx.target.root, ctx.plan.roles_file)
    except InstanceHAError as exc:
        yield error(ID, f"THT's process-templates.py could not render {ctx.target.root} for "
                    f"these roles: {str(exc).splitlines()[-1] if str(exc) else exc}",
                    ctx.plan.roles_file, None,
                    "check that the roles file suits this THT release (network names, role "
                    "fields)")
        return
    for problem in heat_engine.validate_overcloud(tree, ctx.env_files):
        yield error(ID, f"{problem.kind}: {problem.message}", problem.innermost_file, None,
                    FIX)
