"""Instance HA needs a quorate control-plane cluster: a Pacemaker role with at least 3 nodes.

Why: pacemaker_remote computes are fenced and evacuated by the cluster
members; with no cluster nothing acts, and with fewer than 3 members one
failure costs quorum (or leaves a 2-node cluster racing to fence).
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "pacemaker-role"
KIND = "plan"
DESCRIPTION = "a role runs Pacemaker (error if none), with 3 or more nodes in total (warning)"
FIX = "use the Controller role (it has OS::TripleO::Services::Pacemaker) with ControllerCount: 3"


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested:
        return
    members = [r for r in ctx.plan.roles if r.is_cluster_member]
    if not members:
        yield error(ID, "no role has OS::TripleO::Services::Pacemaker: there is no cluster to "
                    "fence and evacuate the computes", ctx.plan.roles_file, None, FIX)
        return
    try:
        total = sum(ctx.plan.role_count(r) for r in members)
    except Exception:  # noqa: BLE001 - a bad count is param-types' finding
        return
    if total < 3:
        names = ", ".join(r.name for r in members)
        count_name = f"{members[0].name}Count"
        source, line = ctx.param_location(count_name)
        if source is None:
            source, line = ctx.role_location(members[0], "CountDefault")
        yield warning(ID, f"the pacemaker cluster ({names}) has {total} node(s): with fewer "
                      "than 3 a single failure loses quorum and Instance HA stops acting",
                      source, line, f"set {count_name}: 3 (or more, odd)")
