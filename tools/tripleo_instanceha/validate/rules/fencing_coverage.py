"""Every controller and Instance HA compute of the inventory gets a fence device, by MAC.

Why: puppet-tripleo creates on each node only the devices whose host_mac is
one of that node's NICs; a node with none is unfenceable, which upstream
finds at puppet step 5 of the deploy (LP#1953042) -- or never, for a
controller. An Instance HA compute also needs a power device at level 1,
which is what that upstream check requires.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.fencing_config import POWER_AGENTS
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "fencing-coverage"
KIND = "plan"
DESCRIPTION = "each controller and Instance HA compute of the inventory has a fence device " \
    "matched by MAC (a power device at level 1 for computes); devices match some node"
FIX = "regenerate the fencing environment from this inventory " \
    "(tripleo-instanceha fencing generate), or add a device with the node's host_mac"


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested or not ctx.plan.fencing_enabled:
        return
    if ctx.param(P.FENCING_CONFIG, None) in (None, "", {}):
        return  # fencing-enabled reports it
    try:
        ctx.plan.fencing
    except InputError:
        return  # fencing-config reports it
    if not ctx.plan.nodes_file:
        yield warning(ID, "no inventory given: cannot check that every node has a fence device",
                      None, None, "pass --nodes instackenv.json")
        return
    yield from orphans(ctx)
    placements = ctx.placements
    members = [p for p in placements if p.role.is_cluster_member]
    computes = [p for p in placements if p.role.is_instance_ha]
    fence_source, fence_line = ctx.param_location(P.FENCING_CONFIG)
    for placement, kind in [(p, "controller") for p in members] + \
            [(p, "Instance HA compute") for p in computes]:
        node = placement.node
        if node is None:
            yield warning(ID, f"{kind} {placement.name}: no node of the inventory is left for "
                          "it, so its fencing cannot be checked", ctx.plan.nodes_file, None,
                          "add the node to the inventory, or lower the role's Count")
            continue
        source, line = ctx.node_location(node)
        if not node.macs:
            yield error(ID, f"{kind} {placement.name} (inventory node {node.label}) has no port "
                        "MAC: no fence device can match it", source, line,
                        "add its provisioning NIC under ports: [{address: MAC}]")
            continue
        devices = ctx.plan.devices_for(placement)
        if not devices:
            yield error(ID, f"{kind} {placement.name} (inventory node {node.label}, MAC "
                        f"{', '.join(node.macs)}) has no fence device: puppet creates none "
                        "and the node cannot be fenced", fence_source or source,
                        fence_line if fence_source else line, FIX)
            continue
        if kind != "controller" and not any(d.level == 1 and d.agent in POWER_AGENTS
                                            for d in devices):
            yield error(ID, f"{kind} {placement.name} has no power fence device at level 1 "
                        f"(has: {', '.join(f'level{d.level} {d.agent}' for d in devices)}); "
                        "puppet-tripleo fails with 'Instance HA requires at least one valid "
                        "stonith device'", fence_source, fence_line,
                        f"put one of {', '.join(POWER_AGENTS)} in level1")


def orphans(ctx: PlanContext) -> Iterator[Finding]:
    """Devices whose host_mac is no NIC of any inventory node: puppet creates them nowhere.

    Usually a mistyped MAC, whose node then has no device at all (reported above).
    """
    known = {mac for node in ctx.plan.nodes for mac in node.macs}
    config = ctx.plan.fencing
    for device in config.devices:
        if device.mac and device.mac not in known:
            source, line = ctx.device_location(device, config)
            yield warning(ID, f"level{device.level} {device.agent} device for {device.mac} "
                          "matches no node of the inventory: puppet creates it on no node",
                          source, line, "correct host_mac, or remove the device")
