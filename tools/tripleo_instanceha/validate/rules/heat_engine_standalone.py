"""Every template validated as its own stack by the real openstack-heat engine.

Why standalone: inside a composed stack Heat checks only the resource types
of nested templates; validated on its own, each file gets the full check
(parameters and constraints, functions, properties, its own nested files).
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "heat-engine"
KIND = "template"
NEEDS_ENGINE = True
DESCRIPTION = "each template validates as a standalone stack in openstack-heat's engine"
FIX = "correct what Heat names (parameter, function, property or resource type)"


def check(ctx: TemplateContext) -> Iterator[Finding]:
    from tripleo_instanceha import heat_engine
    env = {"resource_registry": dict(ctx.registry)} if ctx.registry else None
    for item in ctx.templates:
        for problem in heat_engine.validate_template(item.path, env=env):
            where = problem.innermost_file
            via = f" (validating {item.rel})" if where != item.path else ""
            yield error(ID, f"{problem.kind}: {problem.message}{via}", where, None, FIX)
