"""The node inventory must be sound: names, drivers, MACs unique and well-formed.

Why: fencing is matched to nodes by MAC and pacemaker names nodes by host
name; a duplicated or malformed MAC, or two nodes of one name, make every
later fencing check guess. The checks are those of `fencing generate`
(tripleo_instanceha.fencing.checks), so both commands agree on the inventory.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "inventory"
KIND = "plan"
DESCRIPTION = "the inventory's nodes have text names, a driver, well-formed MACs, and no " \
    "name or MAC twice (the checks of fencing generate)"
FIX = "correct the node entry as the message says"


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.plan.nodes_file or not ctx.plan.nodes:
        return
    from tripleo_instanceha.fencing import checks
    out = checks.Collector(ctx.plan.nodes_file)
    checks.check_structure(ctx.plan.nodes, out)
    for problems, make in ((out.problems, error), (out.warnings, warning)):
        for problem in problems:
            field = f"{problem.field}: " if problem.field else ""
            yield make(ID, field + problem.message, problem.source, problem.line,
                       problem.fix or FIX)
