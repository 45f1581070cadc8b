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


def _odd_values(ctx: PlanContext) -> Iterator[Finding]:
    """Registry values that are neither a path nor a type (Heat refuses the environment)."""
    for source in ctx.plan.environment.files:
        if os.path.basename(source).startswith("overcloud-resource-registry"):
            continue
        doc = ctx.doc(source)
        registry = doc.data.get("resource_registry") if doc and isinstance(doc.data, dict) \
            else None
        if not isinstance(registry, dict):
            continue
        for rtype, value in registry.items():
            if rtype != "resources" and not isinstance(value, str):
                yield error(ID, f"{rtype} maps to {value!r}, which is neither a template path "
                            "nor a resource type", source, doc.line("resource_registry", rtype),
                            FIX)


def check(ctx: PlanContext) -> Iterator[Finding]:
    yield from _odd_values(ctx)
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
