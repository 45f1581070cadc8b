"""Every resource_registry path of the plan's environments must exist.

Why: Heat resolves a registry path relative to the environment file naming
it; a typo or a file moved between releases fails the deploy at stack
creation ("Could not fetch remote template").
"""
from __future__ import annotations

import os
from typing import Iterator

from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "registry-paths"
KIND = "plan"
DESCRIPTION = "resource_registry entries of the environments point at files that exist"
FIX = "correct the path; it is relative to the environment file that names it"


def check(ctx: PlanContext) -> Iterator[Finding]:
    env = ctx.plan.environment
    for rtype, target in sorted(env.resource_registry.items()):
        if not os.path.isabs(target) or not target.endswith((".yaml", ".yml", ".template")):
            continue
        if os.path.exists(target):
            continue
        source, line = ctx.registry_location(rtype)
        if source and os.path.basename(source).startswith("overcloud-resource-registry"):
            continue  # THT's base registry names files its jinja step renders per role
        yield error(ID, f"{rtype} maps to {target}, which does not exist", source, line, FIX)
