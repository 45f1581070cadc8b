"""Is this cloud protected right now? The rules, judged on one cluster snapshot.

"Protected" means: if an Instance HA compute failed now, pacemaker would fence
it (power first, then fence-nova), fence-nova would mark it for evacuation and
nova-evacuate would evacuate it. Each rule below is one condition of that
chain; the cloud is protected when no rule fails. A rule that this snapshot
cannot judge (the evacuate attributes from a saved CIB) is "not checked",
with the reason, and does not count against the verdict.

The Nova half (nova-compute's service state, the instances, the evacuable
tagging) is not judged here: the report carries a ``nova`` section marked not
checked so that it can be added without changing the report's shape.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from tripleo_instanceha.cluster.model import (EVACUATE_IHA, FENCE_NOVA, NOVA_EVACUATE,
                                              ROLE_ATTRIBUTE, STOCK_EVACUATE_FIRST,
                                              STOCK_EVACUATE_OFF,
                                              UNFENCE_CLONE, UNFENCE_TRIGGER)
from tripleo_instanceha.cluster import holds as holds_mod
from tripleo_instanceha.cluster.status import Snapshot
from tripleo_instanceha.formatters.result import EXIT_CLEAN, EXIT_FINDINGS, Result

#: The node attribute the lifecycle tasks set while they hold a compute's maintenance
#: (deployment/pacemaker/compute-instanceha-lifecycle.yaml, tripleo_instanceha_marker).
LIFECYCLE_MARK = "tripleo-instanceha-maintenance"
UNFENCED = "#node-unfenced"
PROTECTED = "protected"
DEGRADED = "degraded"
PASS, FAIL, NOT_CHECKED = "pass", "fail", "not checked"
NOVA_NOT_CHECKED = ("the Nova half (nova-compute service state, instances, evacuable "
                    "tagging) is not checked by this release; --os-cloud is reserved for it")
BMC_FIX = ("a failing monitor usually means the BMC password (or address) changed: update "
           "FencingConfig and re-deploy (or 'pcs stonith update {id} password=...'), then "
           "'pcs stonith cleanup {id}'")
NOVA_FIX = ("fence-nova's monitor talks to keystone: check its auth_url, login and passwd "
            "('pcs stonith config {id}'), then 'pcs stonith cleanup {id}'")

#: id -> what the rule requires (the definitions doc/source/status.rst lists)
RULES = {
    "quorum": "the cluster partition has quorum (without it pacemaker fences nothing and "
              "stops resources)",
    "stonith-enabled": "the cluster property stonith-enabled is not false",
    "cluster-maintenance": "the cluster property maintenance-mode is not true",
    "instance-ha-configured": "fence-nova, nova-evacuate, the compute-unfence-trigger clone "
                              "and at least one node with compute-instanceha-role=true exist",
    "compute-online": "every Instance HA compute's pacemaker_remote connection is online "
                      "and the node is clean (not waiting to be fenced)",
    "compute-maintenance": "no Instance HA compute is in maintenance, unmanaged or standby "
                           "(a failure there would not be fenced)",
    "fencing-topology": "every Instance HA compute has a fencing level holding a power "
                        "device and stonith-fence_compute-fence-nova, each one configured",
    "stonith-devices": "every stonith device is started and has no failed operation",
    "nova-evacuate": "the evacuation agent nova-evacuate-iha runs, once, on a cluster member, "
                     "and puppet's nova-evacuate is stopped, held by the constraints "
                     "tripleo-instanceha-stock-evacuate-off and -first (without "
                     "nova-evacuate-iha in the CIB: nova-evacuate runs, once, on a member)",
    "unfence": "compute-unfence-trigger runs on every online Instance HA compute (it "
               "requires unfencing, so it runs only once fence-nova unfenced the node)",
    "evacuations": "no compute's evacuate attribute is pending (set by fence_compute, "
                   "cleared to 'no' by nova-evacuate once its instances are evacuated)",
    "fencing-history": "the latest fencing of every Instance HA compute did not fail",
    "evacuation-holds": "evacuations are not switched off cluster-wide (crm_config "
                        "tripleo-instanceha-evacuations) and no compute's evacuation is held "
                        "by the storm guard or an operator",
}


@dataclass
class Finding:
    """One reason the cloud is not protected: the rule, what is wrong, and the fix."""

    rule: str
    subject: str
    finding: str
    fix: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}: {self.finding}\n    fix: {self.fix}"


@dataclass
class RuleResult:
    id: str
    status: str = PASS
    reason: str = ""

    def to_dict(self) -> dict:
        data = {"id": self.id, "requires": RULES[self.id], "status": self.status}
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass
class Resource:
    """One resource instance as crm_mon shows it."""

    id: str
    agent: str
    role: str
    failed: bool
    managed: bool
    nodes: List[str]


@dataclass
class Compute:
    name: str
    state: str = "online"  # online, offline, unclean
    maintenance: Optional[str] = None  # None, "ours", "operator"
    maintenance_how: List[str] = field(default_factory=list)
    standby: bool = False
    topology: bool = False
    power_devices: List[str] = field(default_factory=list)
    connection_on: List[str] = field(default_factory=list)
    unfence_trigger: bool = False
    unfenced: Optional[str] = None
    evacuate: Optional[str] = None

    def to_dict(self) -> dict:
        return {"name": self.name, "remote": self.state, "maintenance": self.maintenance,
                "maintenance_how": self.maintenance_how, "standby": self.standby,
                "fencing_topology_complete": self.topology,
                "power_devices": self.power_devices, "connection_on": self.connection_on,
                "unfence_trigger_running": self.unfence_trigger,
                "node_unfenced": self.unfenced, "evacuate": self.evacuate}


@dataclass
class Device:
    id: str
    agent: str
    state: str  # started, stopped, failed
    nodes: List[str]
    failures: List[str] = field(default_factory=list)
    healthy: bool = True

    def to_dict(self) -> dict:
        return dict(self.__dict__)


# -- reading the snapshot ----------------------------------------------------------------
def _nvpairs(element: Optional[ET.Element], tag: str) -> Dict[str, str]:
    values: Dict[str, str] = {}
    if element is not None:
        for attrs in element.findall(tag):
            for nv in attrs.findall("nvpair"):
                values[nv.get("name", "")] = nv.get("value", "")
    return values


def _truthy(value: Optional[str]) -> bool:
    return str(value).strip().lower() in ("true", "yes", "on", "1", "y")


def _resources(mon: ET.Element) -> List[Resource]:
    found = []
    for res in mon.iter("resource"):
        found.append(Resource(res.get("id", ""), res.get("resource_agent", ""),
                              res.get("role", ""), res.get("failed") == "true",
                              res.get("managed", "true") == "true",
                              [n.get("name", "") for n in res.findall("node")]))
    return found


def _properties(cib: ET.Element) -> Dict[str, str]:
    return _nvpairs(cib.find("configuration/crm_config"), "cluster_property_set")


def _levels(cib: ET.Element) -> List[ET.Element]:
    return list(cib.iterfind("configuration/fencing-topology/fencing-level"))


def _level_targets(level: ET.Element, node: str, attrs: Dict[str, str]) -> bool:
    if level.get("target") is not None:
        return level.get("target") == node
    pattern = level.get("target-pattern")
    if pattern is not None:
        try:
            return re.fullmatch(pattern, node) is not None
        except re.error:
            return False
    name = level.get("target-attribute")
    return name is not None and attrs.get(name) == level.get("target-value")


def _short(host: str) -> str:
    return host.split(".")[0]


class Assessment(Result):
    """The verdict on one snapshot: per-rule results, findings, and what was seen."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.findings: List[Finding] = []
        self.rules: Dict[str, RuleResult] = {rid: RuleResult(rid) for rid in RULES}
        cib, mon = snapshot.cib, snapshot.mon
        self.properties = _properties(cib)
        self.resources = _resources(mon)
        self.primitives = {p.get("id", ""): p for p in cib.iter("primitive")}
        self.node_attrs = {n.get("uname") or n.get("id", ""): _nvpairs(n, "instance_attributes")
                           for n in cib.iterfind("configuration/nodes/node")}
        self.mon_nodes = {n.get("name", ""): n for n in mon.iterfind("nodes/node")}
        self.transient = {s.get("uname") or s.get("id", ""):
                          _nvpairs(s.find("transient_attributes"), "instance_attributes")
                          for s in cib.iterfind("status/node_state")}
        self.computes = [Compute(name) for name, attrs in self.node_attrs.items()
                         if _truthy(attrs.get(ROLE_ATTRIBUTE))]
        self.devices: List[Device] = []
        self.evacuate_nodes: List[str] = []
        #: the resource that evacuates: ours when in the CIB, else puppet's
        self.evacuator = NOVA_EVACUATE
        self._judge()
        self.verdict = DEGRADED if self.findings else PROTECTED
        self.exit_code = EXIT_FINDINGS if self.findings else EXIT_CLEAN

    # -- helpers --------------------------------------------------------------------------
    def _fail(self, rule: str, subject: str, finding: str, fix: str) -> None:
        self.rules[rule].status = FAIL
        self.findings.append(Finding(rule, subject, finding, fix))

    def _not_checked(self, rule: str, reason: str) -> None:
        self.rules[rule].status = NOT_CHECKED
        self.rules[rule].reason = reason

    def _instances(self, rid: str) -> List[Resource]:
        return [r for r in self.resources if r.id == rid or r.id.startswith(rid + ":")]

    def _members(self) -> List[str]:
        return [name for name, node in self.mon_nodes.items() if node.get("type") == "member"]

    # -- the rules ------------------------------------------------------------------------
    def _judge(self) -> None:
        self._cluster()
        configured = self._configured()
        for compute in self.computes:
            self._compute(compute)
        self._stonith()
        if configured:
            self._nova_evacuate()
        self._evacuations()
        self._history()
        self._holds()

    def _cluster(self) -> None:
        if self.snapshot.kind == "live":
            dc = self.snapshot.mon.find("summary/current_dc")
            quorate = dc is not None and dc.get("with_quorum") == "true"
        else:
            quorate = self.snapshot.cib.get("have-quorum") in ("1", "true")
        if not quorate:
            self._fail("quorum", "cluster", "the partition has no quorum: pacemaker fences "
                       "nothing and stops resources (no-quorum-policy)",
                       "bring the controllers back online ('pcs status' on each; "
                       "'pcs cluster start' where pacemaker is stopped)")
        stonith = self.properties.get("stonith-enabled", "true").lower()
        if stonith in ("false", "0", "no", "off", "n"):
            self._fail("stonith-enabled", "cluster", "stonith-enabled is false: a failed "
                       "compute is never fenced, so never evacuated",
                       "re-deploy with EnableFencing: true, or 'pcs property set "
                       "stonith-enabled=true'")
        if _truthy(self.properties.get("maintenance-mode")):
            self._fail("cluster-maintenance", "cluster", "maintenance-mode is true: pacemaker "
                       "monitors and recovers nothing", "when the work is done: 'pcs property "
                       "set maintenance-mode=false'")

    def _configured(self) -> bool:
        missing = [rid for rid in (FENCE_NOVA, NOVA_EVACUATE, UNFENCE_TRIGGER)
                   if rid not in self.primitives]
        if not self.computes:
            missing.append(f"a node with {ROLE_ATTRIBUTE}=true")
        if missing:
            self._fail("instance-ha-configured", "cluster", "Instance HA is not configured: "
                       "missing " + ", ".join(missing),
                       "deploy with environments/instance-ha.yaml and the ComputeInstanceHA "
                       "role (tripleo-instanceha prepare)")
            return False
        return True

    def _compute(self, c: Compute) -> None:
        node = self.mon_nodes.get(c.name)
        rid = node.get("id", c.name) if node is not None else c.name
        conn = [r for r in self._instances(rid) if r.agent.endswith(":remote")]
        c.connection_on = [n for r in conn for n in r.nodes]
        if node is None or node.get("unclean") == "true":
            c.state = "unclean" if node is not None else "offline"
        elif node.get("online") != "true":
            c.state = "offline"
        if c.state == "unclean":
            self._fail("compute-online", c.name, "UNCLEAN: the node was lost and is not "
                       "fenced yet (fencing is pending or failing)",
                       f"look at 'stonith_admin --history {c.name}' and the stonith devices "
                       "below; pacemaker retries fencing on its own once a device works")
        elif c.state == "offline":
            self._fail("compute-online", c.name, "pacemaker_remote connection offline: a "
                       "failure of this compute is not noticed",
                       f"start pacemaker_remote on {c.name} (systemctl start pacemaker_remote)"
                       f", then 'pcs resource cleanup {c.name}'")
        self._maintenance(c, node, conn)
        self._topology(c)
        trigger = [r for r in self._instances(UNFENCE_TRIGGER)
                   if c.name in r.nodes and r.role == "Started" and not r.failed]
        c.unfence_trigger = bool(trigger)
        c.unfenced = self.transient.get(c.name, {}).get(UNFENCED)
        if c.state == "online" and not c.unfence_trigger and UNFENCE_TRIGGER in self.primitives:
            self._fail("unfence", c.name, f"{UNFENCE_TRIGGER} is not running here: the "
                       "node has not been unfenced, so no Instance HA resource may run on it",
                       f"'pcs resource cleanup {UNFENCE_CLONE}'; check fence-nova's 'on' "
                       f"action in 'stonith_admin --history {c.name}'")

    def _maintenance(self, c: Compute, node: Optional[ET.Element], conn: List[Resource]) -> None:
        # a remote node's id in crm_mon is its connection resource (puppet names it after
        # the node, but pcs lets an operator name it otherwise)
        rid = node.get("id", c.name) if node is not None and node.get("type") == "remote" \
            else c.name
        prim = self.primitives.get(rid)
        meta = _nvpairs(prim, "meta_attributes") if prim is not None else {}
        attrs = self.node_attrs.get(c.name, {})
        if _truthy(meta.get("maintenance")):
            c.maintenance_how.append("connection resource maintenance=true")
        if _truthy(attrs.get("maintenance")):
            c.maintenance_how.append("node attribute maintenance=true")
        if meta.get("is-managed", "true").lower() == "false" or any(not r.managed
                                                                    for r in conn):
            c.maintenance_how.append("connection resource unmanaged")
        if node is not None and node.get("maintenance") == "true" and not c.maintenance_how:
            c.maintenance_how.append("in maintenance")
        c.standby = node is not None and node.get("standby") == "true"
        if c.maintenance_how:
            ours = _truthy(attrs.get(LIFECYCLE_MARK)) and _truthy(meta.get("maintenance"))
            c.maintenance = "ours" if ours else "operator"
            how = ", ".join(c.maintenance_how)
            if ours:
                self._fail("compute-maintenance", c.name, f"in maintenance held by the "
                           f"update/upgrade tasks ({how}; {LIFECYCLE_MARK}=true): a failure "
                           "is not fenced until they finish",
                           "expected while a minor update or upgrade of this compute runs; if "
                           "none runs, an interrupted run left it: re-run the update for this "
                           f"node (openstack overcloud update run --limit {c.name}), which "
                           "takes it out once pacemaker_remote is back")
            else:
                self._fail("compute-maintenance", c.name, f"in maintenance set by an operator "
                           f"({how}; no {LIFECYCLE_MARK} mark, so the update tasks leave it "
                           "alone): a failure is not fenced",
                           f"when the work is done: 'pcs resource cleanup {c.name}' then 'pcs "
                           f"resource meta {c.name} maintenance=false' (or 'pcs node "
                           f"unmaintenance {c.name}', 'pcs resource manage {c.name}')")
        if c.standby:
            self._fail("compute-maintenance", c.name, "in standby: the unfence trigger stops "
                       "and nothing is protected there", f"'pcs node unstandby {c.name}'")

    def _topology(self, c: Compute) -> None:
        attrs = self.node_attrs.get(c.name, {})
        levels = [lv for lv in _levels(self.snapshot.cib) if _level_targets(lv, c.name, attrs)]
        problems = []
        for level in sorted(levels, key=lambda lv: int(lv.get("index", "0") or 0)):
            devices = [d for d in level.get("devices", "").split(",") if d]
            unknown = [d for d in devices if d not in self.primitives]
            power = [d for d in devices if d != FENCE_NOVA and d in self.primitives]
            if unknown:
                problems.append(f"level {level.get('index')} names missing device(s) "
                                + ", ".join(unknown))
            elif FENCE_NOVA not in devices:
                problems.append(f"level {level.get('index')} lacks {FENCE_NOVA}")
            elif not power:
                problems.append(f"level {level.get('index')} has no power device")
            else:
                c.topology = True
                c.power_devices += [d for d in power if d not in c.power_devices]
        if c.topology:
            return
        what = "; ".join(problems) if problems else "no fencing level targets it"
        self._fail("fencing-topology", c.name, f"fencing topology incomplete ({what}): a "
                   "power fence alone does not mark the node for evacuation",
                   "re-run the deploy with the fencing environment (puppet-tripleo creates "
                   "the levels), or 'pcs stonith level add 1 "
                   f"{c.name} <power-device>,{FENCE_NOVA}'")

    def _stonith(self) -> None:
        failures: Dict[str, List[ET.Element]] = {}
        for failure in self.snapshot.mon.iterfind("failures/failure"):
            key = failure.get("op_key", "")
            for rid, prim in self.primitives.items():
                if prim.get("class") == "stonith" and key.startswith(rid + "_"):
                    failures.setdefault(rid, []).append(failure)
        for rid, prim in self.primitives.items():
            if prim.get("class") != "stonith":
                continue
            running = [r for r in self._instances(rid)]
            started = [r for r in running if r.role == "Started" and not r.failed]
            failed = any(r.failed for r in running)
            nodes = [n for r in running for n in r.nodes]
            state = "failed" if failed else "started" if started else "stopped"
            dev = Device(rid, prim.get("type", ""), state, nodes)
            for f in failures.get(rid, []):
                dev.failures.append(f"{f.get('task')} on {f.get('node')} returned "
                                    f"{f.get('exitstatus') or f.get('exitcode')}"
                                    + (f" ({f.get('exitreason')})" if f.get("exitreason")
                                       else ""))
            self.devices.append(dev)
            monitor = any(f.get("task") == "monitor" for f in failures.get(rid, []))
            if state == "started" and not dev.failures:
                continue
            dev.healthy = False
            fix = (NOVA_FIX if rid == FENCE_NOVA else BMC_FIX).format(id=rid)
            if not monitor and state != "failed" and not dev.failures:
                fix = (f"'pcs stonith enable {rid}' if it was disabled, else 'pcs stonith "
                       f"cleanup {rid}'")
            what = {"failed": "FAILED", "stopped": "not started",
                    "started": "started, with failed operations"}[state]
            detail = f": {'; '.join(dev.failures)}" if dev.failures else ""
            self._fail("stonith-devices", rid, f"{what}{detail}", fix)

    def _nova_evacuate(self) -> None:
        evacuator = EVACUATE_IHA if EVACUATE_IHA in self.primitives else NOVA_EVACUATE
        self.evacuator = evacuator
        if evacuator == EVACUATE_IHA:
            self._stock_held()
        running = self._instances(evacuator)
        started = [r for r in running if r.role == "Started" and not r.failed]
        self.evacuate_nodes = [n for r in started for n in r.nodes]
        members = self._members()
        if any(r.failed for r in running):
            self._fail("nova-evacuate", evacuator, "FAILED: nobody evacuates a fenced "
                       "compute", f"'pcs resource cleanup {evacuator}'; its log on the "
                       "controller says why (journalctl -t NovaEvacuate, "
                       "/var/log/pacemaker/pacemaker.log)")
        elif not self.evacuate_nodes:
            self._fail("nova-evacuate", evacuator, "not running: nobody evacuates a "
                       "fenced compute", f"'pcs resource enable {evacuator}' if it was "
                       f"disabled, else 'pcs resource cleanup {evacuator}'")
        elif len(self.evacuate_nodes) > 1:
            self._fail("nova-evacuate", evacuator, "running on several nodes: "
                       + ", ".join(self.evacuate_nodes),
                       f"'pcs resource cleanup {evacuator}'")
        elif members and self.evacuate_nodes[0] not in members:
            self._fail("nova-evacuate", evacuator, f"runs on {self.evacuate_nodes[0]}, "
                       "which is not a cluster member", "check its location constraints "
                       "('pcs constraint location config')")

    def _stock_held(self) -> None:
        """Ours runs in place of puppet's nova-evacuate: it must be stopped, and held so."""
        stock = [n for r in self._instances(NOVA_EVACUATE) if r.role == "Started"
                 for n in r.nodes]
        if stock:
            self._fail("nova-evacuate", NOVA_EVACUATE, f"puppet's {NOVA_EVACUATE} runs on "
                       f"{', '.join(stock)} beside {EVACUATE_IHA}: two agents evacuate the "
                       "same computes", "deploy again (external deploy step 5 re-creates "
                       f"{STOCK_EVACUATE_OFF} and {STOCK_EVACUATE_FIRST}); 'pcs constraint "
                       "--full' lists them")
        constraints = self.snapshot.cib.find("configuration/constraints")
        found = {c.get("id") for c in (constraints if constraints is not None else [])}
        missing = [cid for cid in (STOCK_EVACUATE_OFF, STOCK_EVACUATE_FIRST)
                   if cid not in found]
        if missing and NOVA_EVACUATE in self.primitives and not stock:
            self._fail("nova-evacuate", NOVA_EVACUATE, "not held stopped: "
                       + ", ".join(missing) + f" missing, so it may start beside "
                       f"{EVACUATE_IHA}", "deploy again (external deploy step 5 creates "
                       "them)")

    def _evacuations(self) -> None:
        values = self.snapshot.evacuate
        if values is None:
            self._not_checked("evacuations", self.snapshot.not_shown.get(
                "evacuate-attributes", "not read"))
            return
        by_name = {_short(host): value for host, value in values.items()}
        for c in self.computes:
            c.evacuate = by_name.get(_short(c.name))
        for host, value in sorted(values.items()):
            if value and value.lower() != "no":
                self._fail("evacuations", _short(host), f"evacuate={value}: its instances "
                           "have not been evacuated yet (nova-evacuate retries every "
                           "monitor, 10 s)", "if it stays: nova-evacuate's log on "
                           f"{', '.join(self.evacuate_nodes) or 'its controller'} says why "
                           "(keystone or Nova unreachable, no valid host)")

    def _history(self) -> None:
        history = self.snapshot.fence_history
        if history is None:
            self._not_checked("fencing-history", self.snapshot.not_shown.get(
                "fencing-history", "not read"))
            return
        for c in self.computes:
            # stonith_admin sorts pending events first, then the newest first
            # (pacemaker's stonith__sort_history); a failure followed by a success is over
            done = [e for e in history if _short(e.target) == c.name and e.status != "pending"]
            if not done or done[0].status != "failed":
                continue
            last = done[0]
            if last.action == "on":
                self._fail("fencing-history", c.name, f"its last unfencing failed (at "
                           f"{last.completed or '?'}): until fence-nova unfences it, no "
                           "Instance HA resource runs there",
                           f"check {FENCE_NOVA} (its keystone credentials) and 'stonith_admin "
                           f"--history {c.name} --verbose'; pacemaker retries on its own")
            else:
                self._fail("fencing-history", c.name, f"its last fencing ({last.action}, at "
                           f"{last.completed or '?'}) failed",
                           f"'stonith_admin --history {c.name} --verbose'; fix the device it "
                           "names, pacemaker retries on its own")

    def _holds(self) -> None:
        """The runtime controls (tripleo-instanceha evacuations): kept in the CIB, so a
        saved CIB shows them as well as the live one."""
        self.holds = holds_mod.read_holds(self.snapshot.cib)
        if self.holds.switch == "off":
            mark = self.holds.switch_mark
            by = f" by {mark.by or 'an operator'} at {holds_mod.when(mark.at)}" if mark else ""
            self._fail("evacuation-holds", "cluster", f"evacuations are switched off "
                       f"cluster-wide{by} ({holds_mod.KILL_SWITCH}=off): a failed compute is "
                       "fenced but its instances stay down", "when the incident is over: "
                       "'tripleo-instanceha evacuations release'")
        for record in self.holds.held:
            mark = record.hold if record.hold is not None else record.decision
            who = "the storm guard" if mark.by == "guard" else mark.by or "an operator"
            since = f" since {holds_mod.when(mark.at)}" if mark.at is not None else ""
            self._fail("evacuation-holds", record.host, f"its evacuation is held by {who}"
                       f"{since}: the agent will not evacuate it until it is released",
                       "once the surviving computes have room: 'tripleo-instanceha "
                       f"evacuations release {record.host}'")

    # -- output ---------------------------------------------------------------------------
    def not_checked(self) -> List[RuleResult]:
        return [r for r in self.rules.values() if r.status == NOT_CHECKED]

    def to_dict(self) -> dict:
        snap = self.snapshot
        return {
            "verdict": self.verdict,
            "source": {"kind": snap.kind, "name": snap.source},
            "reasons": [f.to_dict() for f in self.findings],
            "rules": [r.to_dict() for r in self.rules.values()],
            "computes": [c.to_dict() for c in self.computes],
            "stonith_devices": [d.to_dict() for d in self.devices],
            "nova_evacuate": {"agent": self.evacuator,
                              "running_on": self.evacuate_nodes},
            "evacuate_attributes": snap.evacuate,
            "evacuations": {"switch": self.holds.switch,
                            "switch_set": (self.holds.switch_mark.to_dict()
                                           if self.holds.switch_mark else None),
                            "held": [h.to_dict() for h in self.holds.held]},
            "not_shown": dict(snap.not_shown),
            "nova": {"checked": False, "reason": NOVA_NOT_CHECKED},
        }

    def to_text(self) -> str:
        snap = self.snapshot
        where = "live cluster" if snap.kind == "live" else f"saved CIB {snap.source}"
        lines = [f"Instance HA status of the {where}"]
        width = max([len(c.name) for c in self.computes] + [7])
        lines.append(f"  {'compute'.ljust(width)}  remote    maintenance  topology  "
                     "unfence  evacuate")
        for c in self.computes:
            lines.append(f"  {c.name.ljust(width)}  {c.state:<8}  {c.maintenance or '-':<11}  "
                         f"{'complete' if c.topology else 'MISSING':<8}  "
                         f"{'yes' if c.unfence_trigger else 'no':<7}  "
                         f"{c.evacuate if c.evacuate is not None else '-'}")
        bad = [d for d in self.devices if not d.healthy]
        lines.append(f"  stonith devices: {len(self.devices) - len(bad)} of {len(self.devices)} "
                     "started without failures")
        lines.append(f"  {self.evacuator}: "
                     + (f"running on {', '.join(self.evacuate_nodes)}"
                        if self.evacuate_nodes else "NOT running"))
        held = ", ".join(h.host for h in self.holds.held)
        lines.append("  evacuations: " + ("switched OFF cluster-wide"
                                          if self.holds.switch == "off" else "on")
                     + (f"; held: {held}" if held else ""))
        for rule in self.not_checked():
            lines.append(f"  not checked [{rule.id}]: {rule.reason}")
        lines.append(f"  not checked [nova]: {NOVA_NOT_CHECKED}")
        if self.findings:
            lines.append("Reasons:")
            lines += [f"  {f}" for f in self.findings]
        lines.append(f"Verdict: {self.verdict.upper()}")
        return "\n".join(lines)
