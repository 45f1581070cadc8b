"""FencingConfig must be what puppet-tripleo's tripleo::fencing can turn into stonith devices.

Why: puppet reads `devices` as a list (level 1) or as level1..levelN lists,
creates only agents puppet-pacemaker defines, matches devices to nodes by
host_mac (a device without one is silently dropped) and refuses two devices
of one agent for one host. The agents' own metadata says which params exist.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.fencing_config import PUPPET_AGENTS
from tripleo_instanceha.validate.context import PlanContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "fencing-config"
KIND = "plan"
DESCRIPTION = "FencingConfig is well-formed: levels, agents puppet-tripleo can create, " \
    "host_mac on every device, one device per agent per host, agent parameters"
FIX = "regenerate it with 'tripleo-instanceha fencing generate' or correct the device"

#: Agents that need no host_mac (created once for the whole cluster).
CLUSTER_WIDE = ("fence_watchdog",)


def check(ctx: PlanContext) -> Iterator[Finding]:
    if not ctx.iha_requested or ctx.param(P.FENCING_CONFIG, None) in (None, "", {}):
        return
    source, line = ctx.param_location(P.FENCING_CONFIG)
    try:
        config = ctx.plan.fencing
    except InputError as exc:
        for problem in exc.problems:
            field = f"{problem.field}: " if problem.field else ""
            where_file, where_line = ctx.field_location(P.FENCING_CONFIG, problem.field)
            yield error(ID, field + problem.message, where_file, where_line, problem.fix or FIX)
        return
    levels = sorted(config.levels)
    if config.leveled and levels and levels != list(range(1, len(levels) + 1)):
        yield warning(ID, f"fencing levels {', '.join(f'level{n}' for n in levels)} are not "
                      "numbered 1..N: pacemaker tries them in order and puppet-tripleo's "
                      "Instance HA check looks at level1 only", source, line,
                      "number the levels level1, level2, ... without gaps")
    seen = {}
    for device in config.devices:
        where = f"level{device.level} {device.agent}" + (f" {device.mac}" if device.mac else "")
        source, line = ctx.device_location(device, config)
        if device.agent not in PUPPET_AGENTS:
            yield error(ID, f"{where}: puppet-tripleo cannot create agent {device.agent} "
                        f"(it knows {', '.join(PUPPET_AGENTS)})", source, line,
                        "use fence_ipmilan or fence_redfish for the node's BMC")
            continue
        if device.agent not in CLUSTER_WIDE:
            if not device.host_mac:
                yield warning(ID, f"{where}: device has no host_mac, so puppet-tripleo creates it "
                              "on no node (silently ignored)", source, line,
                              "set host_mac to the node's provisioning MAC")
            elif not _valid_mac(device.mac):
                yield error(ID, f"{where}: host_mac {device.host_mac!r} is not a MAC address",
                            source, line, "write it as 52:54:00:aa:bb:cc")
            key = (device.level, device.agent, device.mac)
            if device.mac and key in seen:
                yield error(ID, f"{where}: two {device.agent} devices for the same host at "
                            "this level (puppet-tripleo fails: only one device per agent per "
                            "host)", source, line, "keep one, or move one to another level")
            seen[key] = device
        yield from _agent_params(device, where, source, line)


def _valid_mac(mac) -> bool:
    from tripleo_instanceha.inventory import normalise_mac
    return normalise_mac(mac) is not None


def _agent_params(device, where, source, line) -> Iterator[Finding]:
    from tripleo_instanceha.fencing import agents
    try:
        meta = agents.metadata(device.agent)
    except Exception:  # noqa: BLE001 - agent not installed here: nothing to compare with
        return
    for text in meta.problems(device.params, agents.PACEMAKER_SUPPLIED):
        yield error(ID, f"{where}: {text}", source, line,
                    f"see '{device.agent} -o metadata' for its parameters")
