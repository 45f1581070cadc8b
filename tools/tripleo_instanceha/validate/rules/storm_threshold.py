"""InstanceHAStormThreshold is not so low that a single compute's failure is held.

Why: the evacuation agent's storm guard (doc/source/evacuation-agent.rst,
"Storm guard") evacuates, in a storm, only the first
floor(threshold x computes / 100) failures and holds the others until an
operator releases them. With threshold x computes below 100 that allowance is
0 and one failed compute is already a storm: no evacuation ever happens
without an operator, which is Instance HA turned off by accident (the agent
counts its ``ocf:pacemaker:remote`` primitives; here, as the plan cannot see
the cluster, the plan's Instance HA computes). 0 turns the guard off and is
fine; values outside 0-100 are the ``tunables`` rule's findings.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.plan import tunables as T
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, warning

ID = "storm-threshold"
KIND = "plan"
NAME = "InstanceHAStormThreshold"
DESCRIPTION = (f"{NAME} lets the storm guard evacuate at least one failed compute "
               "(threshold x Instance HA computes / 100 is 1 or more)")
FIX = (f"set {NAME} to at least 100 / (the number of Instance HA computes), rounded up, "
       "or to 0 to turn the storm guard off")


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested or not ctx.is_set(NAME):
        return
    value, problem = T.check(NAME, ctx.param(NAME), "parameter_defaults")
    if problem is not None or not value:
        return
    computes = len([p for p in ctx.placements if p.role.is_instance_ha])
    if not computes or value * computes >= 100:
        return
    least = -(-100 // computes)
    source, line = ctx.param_location(NAME)
    yield warning(ID, f"{NAME} is {value}% of {computes} Instance HA compute(s): "
                  f"{value} x {computes} / 100 < 1, so the storm guard's allowance is 0 and "
                  "a single failed compute is held (fenced, its instances not evacuated "
                  "until an operator runs tripleo-instanceha evacuations release)",
                  source, line,
                  f"set {NAME} to {least} or more for {computes} Instance HA compute(s), or "
                  "to 0 to turn the storm guard off")
