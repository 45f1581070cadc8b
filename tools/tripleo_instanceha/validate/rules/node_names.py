"""Node names must be usable by pacemaker: RFC 1123 host names, unique after lower-casing.

Why: pacemaker_remote node names, the fence_compute host list and nova's
service host must agree; pacemaker and puppet-tripleo lower-case short
names, so Compute-0 and compute-0 collide, and names with '_' or dots in the
short name break the remote resource ids.
"""
from __future__ import annotations

from typing import Dict, Iterator

from tripleo_instanceha.plan.plan import valid_hostname
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "node-names"
KIND = "plan"
DESCRIPTION = "cluster node names are RFC 1123 host names, unique after lower-casing"
FIX = "change <Role>HostnameFormat or HostnameMap so every short name is letters, digits and " \
    "'-' (at most 63) and unique ignoring case"


def _location(ctx: PlanContext, placement) -> tuple:
    for name in ("HostnameMap", f"{placement.role.name}HostnameFormat"):
        if ctx.is_set(name):
            return ctx.param_location(name)
    return ctx.role_location(placement.role, "HostnameFormatDefault")


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested:
        return
    seen: Dict[str, str] = {}
    for placement in ctx.placements:
        role = placement.role
        if not (role.is_cluster_member or role.is_remote or role.is_instance_ha):
            continue
        short = str(placement.hostname).split(".")[0]
        if not valid_hostname(short):
            source, line = _location(ctx, placement)
            yield error(ID, f"{role.name} node {placement.index} is named '{short}', which is "
                        "not an RFC 1123 host name", source, line, FIX)
            continue
        key = short.lower()
        if key in seen:
            source, line = _location(ctx, placement)
            yield error(ID, f"{role.name} node {placement.index} is named '{short}', the same "
                        f"pacemaker node name as '{seen[key]}' once lower-cased", source, line,
                        FIX)
        else:
            seen[key] = short
