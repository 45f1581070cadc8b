"""Judge what Nova says against what the cluster says, per Instance HA compute.

Why against the cluster: a nova-compute "down" is normal for a fenced compute
and wrong for one pacemaker sees online; fence_compute forces the service
down and disables it with the reason it writes (fence_compute.py
``set_power_status``: ``disabled_reason`` starts with "Instance HA" in the
forks TripleO ships, and with the agent's own text otherwise), so a service
left disabled after recovery is told apart from an operator's disable by
that reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from tripleo_instanceha.cluster.protection import Finding
from tripleo_instanceha.nova import evacuable

#: evacuation states not over for the failed host ("done": rebuilt elsewhere, completed
#: only once that host's nova-compute restarts)
IN_FLIGHT = ("accepted", "pre-migrating", "migrating", "running", "queued", "done")
#: evacuation states that failed
FAILED = ("failed", "error")
#: disabled_reason texts fence_compute and our tasks write
OURS = ("fence_compute", "instance ha", "instance-ha", "instanceha", "evacuat")


@dataclass
class NovaCompute:
    name: str
    host: Optional[str] = None
    state: str = "-"
    status: str = "-"
    forced_down: bool = False
    disabled_reason: str = ""
    hypervisor: bool = False
    evacuations: Dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class NovaReport:
    computes: List[NovaCompute]
    findings: List[Finding]
    servers: List[dict]
    #: the instances on the Instance HA computes, each with fence_evacuate's decision
    instances: List[evacuable.Instance] = field(default_factory=list)

    def instances_on(self, compute: str) -> List[evacuable.Instance]:
        """The instances on one compute (matched by short host name, as Nova's services)."""
        return [i for i in self.instances if short(i.host) == short(compute)]

    def to_dict(self) -> dict:
        return {"checked": True, "computes": [c.to_dict() for c in self.computes],
                "servers_in_error_or_rebuild": self.servers,
                "instances": [i.to_dict() for i in self.instances],
                "reasons": [f.to_dict() for f in self.findings]}

    def to_text(self) -> List[str]:
        width = max([len(c.name) for c in self.computes] + [7])
        lines = [f"  {'nova'.ljust(width)}  service  status    forced_down  hypervisor  "
                 "instances (evacuable)  evacuations"]
        for c in self.computes:
            evac = ", ".join(f"{k} {v}" for k, v in sorted(c.evacuations.items())) or "-"
            mine = self.instances_on(c.name)
            count = f"{len(mine)} ({sum(i.evacuable for i in mine)})"
            lines.append(f"  {c.name.ljust(width)}  {c.state:<7}  {c.status:<8}  "
                         f"{'yes' if c.forced_down else 'no':<11}  "
                         f"{'yes' if c.hypervisor else 'MISSING':<10}  {count:<21}  {evac}")
        left = [i for i in self.instances if not i.evacuable]
        if left:
            lines.append("  not evacuated if their compute fails (fence_evacuate's instance "
                         "filtering):")
            lines += [f"    {i.name or i.id} ({i.id}) on {short(i.host)}: {i.rule}"
                      for i in left]
        return lines


def short(host: str) -> str:
    return host.split(".", 1)[0]


def _ours(reason: str) -> bool:
    return any(mark in reason.lower() for mark in OURS)


def judge(data: dict, cluster: Dict[str, dict]) -> NovaReport:
    """*data* from ``nova.read.read``; *cluster*: compute -> {"remote": ..., "evacuate": ...}."""
    services = {short(s["host"]): s for s in data["services"]}
    hypervisors = {short(h) for h in data["hypervisors"]}
    computes: List[NovaCompute] = []
    findings: List[Finding] = []
    for name, seen in sorted(cluster.items()):
        node = short(name)
        service = services.get(node)
        if service is None:
            computes.append(NovaCompute(name))
            findings.append(Finding("nova-service", name, "Nova has no nova-compute service "
                                    "for this cluster compute", "check nova-compute runs "
                                    "there and its host name matches the node "
                                    "('openstack compute service list')"))
            continue
        host = service["host"]
        c = NovaCompute(name, host, service["state"], service["status"],
                        service["forced_down"], service["disabled_reason"],
                        node in hypervisors)
        for m in data["migrations"]:
            if short(m["source_compute"]) == node:
                c.evacuations[m["status"]] = c.evacuations.get(m["status"], 0) + 1
        computes.append(c)
        online = seen.get("remote") == "online"
        pending = (seen.get("evacuate") or "no").lower() not in ("no", "")
        if not c.hypervisor:
            findings.append(Finding("nova-hypervisor", host, "no hypervisor of this name",
                                    "restart nova-compute there and run 'nova-manage cell_v2 "
                                    "discover_hosts'"))
        if online and c.forced_down:
            findings.append(Finding("nova-forced-down", host, "online in pacemaker but forced "
                                    "down in Nova: the scheduler never uses it and its next "
                                    "failure is not evacuated", "unfence it: 'openstack "
                                    f"compute service set --up {host} nova-compute' once "
                                    "nova-compute reports"))
        elif online and c.state == "down":
            findings.append(Finding("nova-service", host, "online in pacemaker but its "
                                    "nova-compute is down", "'systemctl status "
                                    "tripleo_nova_compute' there"))
        if c.forced_down and not online and not pending and \
                not any(s in IN_FLIGHT for s in c.evacuations):
            findings.append(Finding("nova-forced-down", host, "forced down with no pending "
                                    "evacuation and no evacuation in flight", "check "
                                    "nova-evacuate's log; evacuate by hand "
                                    f"('nova host-evacuate {host}') if instances remain"))
        if c.status == "disabled" and not c.forced_down and _ours(c.disabled_reason):
            findings.append(Finding("nova-left-disabled", host, "left disabled by Instance HA "
                                    f"after recovery (disabled_reason: {c.disabled_reason!r})",
                                    f"'openstack compute service set --enable {host} "
                                    "nova-compute'"))
        failed = sum(n for s, n in c.evacuations.items() if s in FAILED)
        if failed:
            findings.append(Finding("nova-evacuations", host, f"{failed} evacuation(s) from "
                                    "it failed", "'openstack server migration list --type "
                                    f"evacuation --host {host}'; rebuild or evacuate the "
                                    "instances again"))
    known = {short(n) for n in cluster}
    bad = [s for s in data["servers"]
           if short(s["host"]) in known
           or any(m["instance_uuid"] == s["id"] and short(m["source_compute"]) in known
                  for m in data["migrations"])]
    for s in bad:
        findings.append(Finding("nova-servers", s["id"], f"server {s['name']} is {s['status']} "
                                f"on {s['host'] or 'no host'}", "'openstack server show "
                                f"{s['id']}' (fault); 'openstack server set --state active' "
                                "and evacuate or rebuild it"))
    instances, tagging = evacuable.decide(data, sorted(known)) if "instances" in data \
        else ([], [])
    return NovaReport(computes, findings + tagging, bad, instances)
