"""The Instance HA tunables hold values their rules accept, wherever they are set.

Why: ``--set`` always refused a negative InstanceHAEvacuateDelay, but the same
value in an ``-e`` file reached the cluster configuration and the recovery
budget ("-30s"); Heat's range constraint would refuse it only at deploy time.
The rules are `plan.tunables.RULES`, the ones ``--set`` applies. A tunable in
``<Role>Parameters`` is reported too: the service template never reads it there.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import tunables as T
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "tunables"
KIND = "plan"
DESCRIPTION = ("InstanceHA* tunables (in -e files and <Role>Parameters) are of their type and "
               "within their accepted range")
FIX = "set the tunable in parameter_defaults to a value its rule accepts"


def _location(ctx: PlanContext, problem: T.TunableProblem) -> tuple:
    if problem.role:
        key = f"{problem.role}Parameters"
        return ctx.field_location(key, f"{key}.{problem.parameter}")
    return ctx.param_location(problem.parameter)


def check(ctx: PlanContext) -> Iterator[Finding]:
    for problem in T.plan_problems(ctx.plan.environment, ctx.plan.roles):
        source, line = _location(ctx, problem)
        yield error(ID, problem.message, source, line, problem.fix)
    for role in ctx.plan.roles:
        key = f"{role.name}Parameters"
        params = ctx.param(key, None)
        if not isinstance(params, dict):
            continue
        for name in T.RULES:
            if name not in params or params[name] is None:
                continue
            if T.check(name, params[name], key, role=role.name)[1] is None:
                source, line = ctx.field_location(key, f"{key}.{name}")
                yield warning(ID, f"{key}.{name} has no effect: {T.ROLE_NOTE}", source, line,
                              f"move {name} to parameter_defaults")
