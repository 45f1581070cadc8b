"""The evacuation controls recorded in the CIB: the storm guard's records, holds, the kill switch.

Why the CIB and permanent node attributes: the ``evacuate`` attribute
fence_compute sets is transient and private (attrd only), and a remote node's
transient attributes are erased when it reconnects; a hold must outlive that,
a reboot and a controller failover. Permanent node attributes live in the
CIB's ``nodes`` section, which every controller's CIB manager replicates and
keeps on disk. Both pacemaker 2.0.5 and 2.1.5 write them with ``crm_attribute
--type nodes --node HOST`` (which resolves a remote node by its
``ocf:pacemaker:remote`` primitive and creates its ``<node type="remote">``
entry when it has none), so the agent and this module use the same tool on
both stacks; ``attrd_updater`` only writes transient attributes.

The records (doc/source/evacuation-agent.rst, "Storm guard"):

- ``tripleo-instanceha-failed-at`` (per host): when the agent first saw the
  host ask for an evacuation (epoch seconds);
- ``tripleo-instanceha-evacuation`` (per host): the agent's decision,
  ``held;by=guard;at=EPOCH``, or ``released;by=USER;at=EPOCH`` once an
  operator released it;
- ``tripleo-instanceha-hold`` (per host): an operator's hold,
  ``hold;by=USER;at=EPOCH``;
- the ``crm_config`` property ``tripleo-instanceha-evacuations``: ``off``
  stops every evacuation (absent or ``on``: allowed).

Reading is a pure function of the CIB's XML (``read_holds``), so ``status``
and ``evacuations list --cib`` judge a saved CIB the same way as the live one.
Writes go through ``crm_attribute``, one attribute per call; every host is
checked before the first write.
"""
from __future__ import annotations

import dataclasses
import getpass
import os
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

from tripleo_instanceha import fileio
from tripleo_instanceha.cluster.simulate import tool
from tripleo_instanceha.cluster import status
from tripleo_instanceha.cluster.status import ClusterUnreachable, _last_line, _run
from tripleo_instanceha.errors import InputError

PREFIX = "tripleo-instanceha-"
FAILED_AT = PREFIX + "failed-at"
DECISION = PREFIX + "evacuation"
HOLD = PREFIX + "hold"
KILL_SWITCH = PREFIX + "evacuations"
#: who switched evacuations off, and when (``off;by=WHO;at=EPOCH``), beside the switch: the
#: agent reads only the switch itself, so its value stays a plain "off"
KILL_SWITCH_MARK = KILL_SWITCH + "-off"
#: the agent's guard parameters and their defaults (its meta-data)
GUARD_PARAMETERS = {"storm_threshold": "0", "storm_window": "300", "max_per_pass": "0"}
CIB_FIX = "save it on a controller: cibadmin --query > cib.xml"
#: what a user name may hold in a record (records are ';'- and '='-separated)
_USER_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]")


def when(epoch: Optional[int]) -> str:
    """A record's time as people read it (UTC), "-" when it has none."""
    if epoch is None:
        return "-"
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass(frozen=True)
class Mark:
    """One ``STATE;by=WHO;at=EPOCH`` record (a hold, the guard's decision, a release)."""

    state: str
    by: str = ""
    at: Optional[int] = None
    #: the value as stored, for what does not parse
    raw: str = ""

    @classmethod
    def parse(cls, value: str) -> "Mark":
        state, *rest = value.split(";")
        fields = dict(part.partition("=")[::2] for part in rest)
        at = fields.get("at", "")
        return cls(state.strip(), fields.get("by", ""), int(at) if at.isdigit() else None,
                   value)

    def to_dict(self) -> dict:
        return {"state": self.state, "by": self.by, "at": self.at}


@dataclass(frozen=True)
class HostRecord:
    """What the CIB records about one host's evacuation."""

    host: str
    failed_at: Optional[int] = None
    #: the agent's decision: held by the guard, or released by an operator
    decision: Optional[Mark] = None
    #: an operator's hold of this host
    hold: Optional[Mark] = None

    @property
    def held_by_guard(self) -> bool:
        return self.decision is not None and self.decision.state == "held"

    @property
    def held(self) -> bool:
        """Whether the agent will not evacuate this host now (the kill switch aside)."""
        return self.held_by_guard or self.hold is not None

    def to_dict(self) -> dict:
        return {"host": self.host, "failed_at": self.failed_at,
                "decision": self.decision.to_dict() if self.decision else None,
                "hold": self.hold.to_dict() if self.hold else None, "held": self.held}


@dataclass(frozen=True)
class Holds:
    """Every evacuation control of one CIB."""

    #: "off" when the kill switch stops every evacuation, else "on"
    switch: str
    #: the Instance HA computes the cluster knows (its ocf:pacemaker:remote primitives)
    computes: Tuple[str, ...]
    hosts: Tuple[HostRecord, ...]
    #: the evacuation agent's guard parameters, None when no such resource is configured
    guard: Optional[Dict[str, int]] = None
    #: host -> live evacuate value (None for a saved CIB, which does not have them)
    evacuate: Optional[Dict[str, str]] = field(default=None)
    #: who switched evacuations off and when; None when on, or set by hand (crm_attribute)
    switch_mark: Optional[Mark] = None

    @property
    def held(self) -> List[HostRecord]:
        return [h for h in self.hosts if h.held]

    def host(self, name: str) -> Optional[HostRecord]:
        return next((h for h in self.hosts if h.host == name), None)


def _to_int(value: Optional[str]) -> Optional[int]:
    return int(value) if value is not None and value.strip().isdigit() else None


def read_holds(cib_xml: Union[str, bytes, ET.Element]) -> Holds:
    """The evacuation controls recorded in a CIB (the whole CIB or its configuration)."""
    root = cib_xml if isinstance(cib_xml, ET.Element) else ET.fromstring(cib_xml)
    switch, switch_mark = "on", None
    # crm_config only: a node or resource attribute of that name is not the switch
    for props in root.iter("crm_config"):
        for pair in props.iter("nvpair"):
            if pair.get("name") == KILL_SWITCH and (pair.get("value") or "").lower() == "off":
                switch = "off"
            elif pair.get("name") == KILL_SWITCH_MARK:
                switch_mark = Mark.parse(pair.get("value") or "")
    computes, guard = [], None
    for prim in root.iter("primitive"):
        kind = (prim.get("class"), prim.get("provider"), prim.get("type"))
        if kind == ("ocf", "pacemaker", "remote"):
            computes.append(prim.get("id", ""))
        elif kind == ("ocf", "tripleo-instanceha", "NovaEvacuate") and guard is None:
            values = dict(GUARD_PARAMETERS)
            for attrs in prim.findall("instance_attributes"):
                for pair in attrs.findall("nvpair"):
                    if pair.get("name") in values:
                        values[pair.get("name")] = pair.get("value", "")
            guard = {k: (_to_int(v) if _to_int(v) is not None else -1)
                     for k, v in values.items()}
    hosts = []
    for nodes in root.iter("nodes"):
        for node in nodes.findall("node"):
            found: Dict[str, str] = {}
            for attrs in node.findall("instance_attributes"):
                for pair in attrs.findall("nvpair"):
                    if (pair.get("name") or "").startswith(PREFIX):
                        found[pair.get("name")] = pair.get("value", "")
            if not found:
                continue
            hosts.append(HostRecord(
                node.get("uname") or node.get("id", ""), _to_int(found.get(FAILED_AT)),
                Mark.parse(found[DECISION]) if DECISION in found else None,
                Mark.parse(found[HOLD]) if HOLD in found else None))
    return Holds(switch, tuple(sorted(computes)), tuple(sorted(hosts, key=lambda h: h.host)),
                 guard, switch_mark=switch_mark if switch == "off" else None)


def read_file(path: str) -> Holds:
    """The controls of a saved ``cibadmin --query`` (no live evacuate values in it)."""
    data = fileio.read_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError.single(path, f"is not XML ({exc})", field="--cib", fix=CIB_FIX) \
            from None
    if root.tag != "cib" or root.find("configuration") is None:
        raise InputError.single(path, f"is not a CIB (its root is <{root.tag}>, not <cib> with "
                                "a <configuration>)", field="--cib", fix=CIB_FIX)
    return read_holds(root)


def _query_live() -> ET.Element:
    query = _run([tool("cibadmin"), "--query", "--scope", "configuration"])
    if query.returncode != 0:
        raise ClusterUnreachable(f"no cluster reachable here: cibadmin --query said: "
                                 f"{_last_line(query)} (fix: run as root on a controller, "
                                 "or pass --cib FILE saved there with cibadmin --query)")
    try:
        return ET.fromstring(query.stdout)
    except ET.ParseError as exc:
        raise ClusterUnreachable(f"cibadmin --query printed no XML ({exc})") from None


def read_live() -> Holds:
    """The controls of the cluster this machine is a member of, with the evacuate values."""
    holds = read_holds(_query_live())
    not_shown: Dict[str, str] = {}
    evacuate = status.read_evacuate(not_shown)
    return dataclasses.replace(holds, evacuate=evacuate)


def operator() -> str:
    """Who is acting, for the records: the sudo caller when there is one."""
    try:
        name = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        name = ""
    return _USER_UNSAFE.sub("_", name)[:64] or "unknown"


def _crm_attribute(args: Sequence[str], what: str) -> None:
    run = _run([tool("crm_attribute")] + list(args))
    if run.returncode != 0:
        raise ClusterUnreachable(f"crm_attribute could not {what}: {_last_line(run)} (fix: "
                                 "run as root on a controller; re-running the command "
                                 "finishes what it started, every write is idempotent)")


def _known(holds: Holds, hosts: Sequence[str]) -> None:
    unknown = [h for h in hosts if h not in holds.computes]
    if unknown:
        known = ", ".join(holds.computes) or "none"
        raise InputError.single("HOST", f"{', '.join(unknown)}: not an Instance HA compute of "
                                f"this cluster (its ocf:pacemaker:remote resources: {known})",
                                fix="name the computes as the cluster does (crm_mon -1)")


def hold(hosts: Sequence[str], user: str, now: int) -> List[str]:
    """Hold these hosts' evacuations, or all of them (the kill switch) when none is named.

    Returns what was done, one line each.
    """
    holds = read_holds(_query_live())
    if not hosts:
        # who and when first: a switch is never left without them (a mark alone is ignored)
        _crm_attribute(["--type", "crm_config", "--name", KILL_SWITCH_MARK,
                        "--update", f"off;by={user};at={now}"], f"set {KILL_SWITCH_MARK}")
        _crm_attribute(["--type", "crm_config", "--name", KILL_SWITCH, "--update", "off"],
                       f"set {KILL_SWITCH}=off")
        return [f"evacuations switched off cluster-wide by {user} ({KILL_SWITCH}=off)"]
    _known(holds, hosts)
    done = []
    for host in hosts:
        _crm_attribute(["--type", "nodes", "--node", host, "--name", HOLD,
                        "--update", f"hold;by={user};at={now}"], f"hold {host}")
        done.append(f"{host}: held by {user}")
    return done


def release(hosts: Sequence[str], user: str, now: int) -> List[str]:
    """Release these hosts (their own holds and the guard's), or the kill switch and every
    hold of the guard when none is named; operators' per-host holds stay then."""
    holds = read_holds(_query_live())
    done = []
    if hosts:
        _known(holds, hosts)
        targets = [holds.host(h) or HostRecord(h) for h in hosts]
    else:
        if holds.switch == "off":
            _crm_attribute(["--type", "crm_config", "--name", KILL_SWITCH, "--delete"],
                           f"remove {KILL_SWITCH}")
            if holds.switch_mark is not None:
                _crm_attribute(["--type", "crm_config", "--name", KILL_SWITCH_MARK,
                                "--delete"], f"remove {KILL_SWITCH_MARK}")
            done.append(f"evacuations switched on cluster-wide by {user} ({KILL_SWITCH} "
                        "removed)")
        else:
            done.append("evacuations were not switched off cluster-wide")
        targets = [h for h in holds.hosts if h.held_by_guard]
    for record in targets:
        if record.hold is not None:
            _crm_attribute(["--type", "nodes", "--node", record.host, "--name", HOLD,
                            "--delete"], f"remove the hold of {record.host}")
        if record.held_by_guard:
            _crm_attribute(["--type", "nodes", "--node", record.host, "--name", DECISION,
                            "--update", f"released;by={user};at={now}"],
                           f"release {record.host}")
        if record.hold is not None or record.held_by_guard:
            done.append(f"{record.host}: released by {user}")
        else:
            done.append(f"{record.host}: was not held")
    if not hosts:
        done += [f"{h.host}: still held by {h.hold.by} (release it by name)"
                 for h in holds.hosts if h.hold is not None]
    return done
