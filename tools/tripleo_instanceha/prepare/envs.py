"""The two small environments `prepare` writes besides roles and fencing.

Why separate files: node counts follow the inventory and change when nodes
are added; the Instance HA tunables are the operator's choices. Keeping them
apart lets each be re-generated (or edited) without touching the other, and
keeps every value next to a comment saying what it does.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional

import yaml

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan import tunables as T
from tripleo_instanceha.plan.roles import Role
from tripleo_instanceha.prepare.profiles import Assignment
from tripleo_instanceha.yamlio import dump_yaml

#: What each tunable does, as the parameters file explains it to the operator.
DESCRIPTIONS: Dict[str, str] = {
    "InstanceHANoSharedStorage": (
        "true: the computes keep instance disks locally, so an evacuated instance is rebuilt "
        "from its image (local changes are lost); false: instance storage is shared "
        "(Ceph, NFS) and disks survive the evacuation."),
    "InstanceHAEvacuateDelay": (
        "Seconds nova-evacuate waits after a compute is fenced before evacuating its "
        "instances; raise it when shared storage (NFS) needs time to release locks."),
    "InstanceHAKeystoneUser": (
        "Keystone user the fence-nova stonith device and nova-evacuate act as; it must be "
        "allowed to force services down and evacuate instances."),
    "InstanceHAKeystoneProject": "Keystone project of that user.",
    "InstanceHAKeystonePassword": (
        "Password of that user; empty means the overcloud admin password."),
    "InstanceHARemoteMonitorInterval": (
        "Seconds between pacemaker's checks of each compute's pacemaker_remote connection: "
        "a compute that fails silently is noticed within about this long plus "
        "InstanceHARemoteMonitorTimeout (puppet-tripleo's own default is 20)."),
    "InstanceHARemoteReconnectInterval": (
        "Seconds pacemaker waits before reconnecting to a compute whose connection failed, "
        "so a fenced compute rejoins only once it is back."),
    "InstanceHARemoteMonitorTimeout": (
        "Seconds pacemaker gives each check of an Instance HA compute's pacemaker_remote "
        "connection: a compute that stops answering is detected within about the monitor "
        "interval plus this long (without it, puppet-tripleo's connections get pacemaker's "
        "default of 20; below 13 a compute frozen for a few seconds may be fenced)."),
    "InstanceHAEvacuatePollInterval": (
        "Seconds between the evacuation agent's reads of the evacuate attributes: a fenced "
        "compute's evacuation begins within about this long (the stock agent looks only in "
        "its monitor, every 10 s)."),
    "InstanceHAStormThreshold": (
        "Storm guard: when more than this percentage of the Instance HA computes failed within "
        "InstanceHAStormWindow, only the first floor(threshold x computes / 100) are evacuated "
        "and the others held until an operator releases them; 0 turns the guard off."),
    "InstanceHAStormWindow": (
        "Seconds a compute counts as failed for the storm guard after the evacuation agent "
        "first saw it ask for an evacuation."),
    "InstanceHAEvacuationsPerPass": (
        "At most this many evacuations start per agent pass (one every "
        "InstanceHAEvacuatePollInterval); the others wait for the next pass; 0 means no limit."),
}
#: Never written by prepare: secrets belong in the operator's own environment file.
SECRET_TUNABLES = ("InstanceHAKeystonePassword",)


def _wrap(text: str, width: int = 96) -> List[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines


def parse_settings(settings: List[str]) -> Dict[str, Any]:
    """`--set NAME=VALUE` options -> typed values, checked by the tunables' rules (the same
    rules validate applies to -e files)."""
    values: Dict[str, Any] = {}
    for item in settings or []:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or name not in P.TUNABLES:
            known = ", ".join(n for n in P.TUNABLES if n not in SECRET_TUNABLES)
            raise InputError.single("--set", f"'{item}' is not NAME=VALUE of a known tunable",
                                    fix=f"use one of {known}")
        if name in SECRET_TUNABLES:
            raise InputError.single("--set", f"{name} is a secret and is not taken on the "
                                    "command line", fix="set it in an environment file "
                                    "passed with -e (mode 0600)")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        if T.RULES[name].kind == T.TEXT:
            value = raw  # a user name stays as typed, "0123" included
        value, problem = T.check(name, value, "--set")
        if problem:
            raise InputError(problem)
        values[name] = value
    return values


def chosen_tunables(settings: Mapping[str, Any], env_value) -> Dict[str, Any]:
    """--set wins, then what the operator's environments say, then our default."""
    chosen: Dict[str, Any] = {}
    for name, tunable in P.TUNABLES.items():
        if name in SECRET_TUNABLES:
            continue
        if name in settings:
            chosen[name] = settings[name]
        else:
            chosen[name] = env_value(name, tunable.default)
    return chosen


def parameters_text(chosen: Mapping[str, Any]) -> str:
    lines = ["# Instance HA tunables chosen by 'tripleo-instanceha prepare'.",
             "# Change one with --set NAME=VALUE and run prepare again (or edit this file",
             "# and run prepare with --force to keep your edit checked).",
             "parameter_defaults:"]
    for name in P.TUNABLES:
        lines.extend(f"  # {line}" for line in _wrap(DESCRIPTIONS[name]))
        if name in SECRET_TUNABLES:
            lines.append(f"  # ({name} is never written here: set it in your own environment "
                         "file, mode 0600.)")
        else:
            lines.append("  " + dump_yaml({name: chosen[name]}).strip())
    return "\n".join(lines) + "\n"


def declares_flavors(tht_dir: str) -> bool:
    """Whether this release declares Overcloud<Role>Flavor (up to Wallaby): the flavor
    whose profile selects each role's nodes, checked by tripleoclient before deploying."""
    for rel in ("puppet/role.role.j2.yaml", "overcloud.j2.yaml"):
        try:
            with open(os.path.join(tht_dir, rel), encoding="utf-8") as handle:
                if "Overcloud{{role.name}}Flavor" in handle.read():
                    return True
        except OSError:
            continue
    return False


def node_info_text(roles: List[Role], assignment: Assignment, nodes_file: str,
                   flavors: bool) -> str:
    lines = [f"# Node counts from {os.path.basename(nodes_file)}, by each node's profile:"]
    for profile, role in sorted(assignment.profile_roles.items()):
        lines.append(f"#   profile {profile} -> role {role}")
    lines.extend(f"# {note}" for note in assignment.notes())
    params: Dict[str, Any] = {}
    for role in roles:
        params[f"{role.name}Count"] = assignment.counts.get(role.name, 0)
    if flavors:
        lines.append("# This release declares Overcloud<Role>Flavor: each flavor must select its "
                     "profile.")
        for profile, role in sorted(assignment.profile_roles.items()):
            params.setdefault(f"Overcloud{role}Flavor", profile)
    return "\n".join(lines) + "\n" + dump_yaml({"parameter_defaults": params})


def check_assignment(roles: List[Role], assignment: Assignment,
                     nodes_file: Optional[str]) -> None:
    """Refuse inventories that cannot give Instance HA: no controllers or no computes."""
    source = nodes_file or "inventory"
    members = sum(assignment.counts.get(r.name, 0) for r in roles if r.is_cluster_member)
    computes = sum(assignment.counts.get(r.name, 0) for r in roles if r.is_instance_ha)
    if not computes:
        raise InputError.single(source, "no node has a compute profile, so there is no compute "
                                "to protect", field="capabilities",
                                fix="tag the computes with 'profile:compute' (or "
                                    "'profile:computeinstanceha' to protect only those)")
    if not members:
        raise InputError.single(source, "no node has a control profile, so there is no "
                                "pacemaker cluster", field="capabilities",
                                fix="tag the controllers with 'profile:control'")
