"""What crm_simulate does not model, checked on the cluster model itself.

Why: the scheduler decides *that* a node is fenced; the fencer decides *how*,
walking the fencing topology and picking devices whose host list covers the
target. crm_simulate ignores both, so a compute without a power device, or a
fence-nova host list that misses a compute, passes the simulation and fails
on the night. These checks close that gap, per node and per level.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from tripleo_instanceha.cluster.model import (EVACUATE_IHA, FENCE_NOVA, NOVA_EVACUATE,
                                              ROLE_ATTRIBUTE, STOCK_EVACUATE_FIRST,
                                              STOCK_EVACUATE_OFF,
                                              UNFENCE_CLONE, ClusterModel, Location)
from tripleo_instanceha.plan.fencing_config import POWER_AGENTS

ERROR = "error"
WARNING = "warning"


@dataclass
class Finding:
    severity: str
    node: Optional[str]
    message: str
    fix: Optional[str] = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        where = f"{self.node}: " if self.node else ""
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{self.severity}: {where}{self.message}{fix}"


def _allowed_by(rule: Optional[Location], attrs: dict, ban: bool) -> bool:
    """Whether a -INFINITY single-expression rule leaves a node with ``attrs`` allowed."""
    if rule is None:
        return True
    value = attrs.get(rule.attribute)
    if rule.operation == "eq":
        matches = value == rule.value
    elif rule.operation == "ne":
        matches = value != rule.value
    elif rule.operation == "defined":
        matches = value is not None
    elif rule.operation == "not_defined":
        matches = value is None
    else:
        matches = False
    return not (matches and rule.score == "-INFINITY") if ban else matches


def node_fencing(model: ClusterModel, node: str, needs_nova: bool) -> List[Finding]:
    """Every level of ``node`` can really fence it (and, on an IHA compute, tell nova)."""
    found: List[Finding] = []
    levels = model.levels_for(node)
    if not levels:
        devices = [p for p in model.stonith if node in p.host_list and p.id != FENCE_NOVA]
        if not devices:
            found.append(Finding(ERROR, node, "no stonith device can fence this node",
                                 "add a device whose host_mac is one of the node's MACs to "
                                 "FencingConfig (tripleo-instanceha fencing generate)"))
        elif needs_nova:
            found.append(Finding(ERROR, node, "no fencing level pairs its power device with "
                                 "fence-nova, so nova is never told the host is down",
                                 "let puppet-tripleo create the levels (EnableInstanceHA)"))
        return found
    for level in levels:
        members = [model.primitive(d) for d in level.devices]
        missing = [d for d, p in zip(level.devices, members) if p is None]
        for dev in missing:
            found.append(Finding(ERROR, node, f"level {level.index} names {dev}, "
                                 "which does not exist", "remove it or create the device"))
        present = [p for p in members if p is not None]
        power = [p for p in present if p.type in POWER_AGENTS and p.id != FENCE_NOVA]
        if not power:
            found.append(Finding(ERROR, node, f"level {level.index} has no power fencing "
                                 "device (ipmilan, redfish, ironic, kdump, rhevm)",
                                 "give the node a power device at this level"))
        for dev in present:
            if node not in dev.host_list:
                found.append(Finding(ERROR, node, f"level {level.index}: {dev.id} host list "
                                     f"({','.join(dev.host_list) or 'empty'}) does not "
                                     "cover this node, so the fencer cannot use the level",
                                     f"add {node} to pcmk_host_list of {dev.id}"))
        if needs_nova and FENCE_NOVA not in level.devices:
            found.append(Finding(ERROR, node, f"level {level.index} lacks fence-nova: a fence "
                                 "through it never marks the host down in nova, so nothing "
                                 "is evacuated", "pair the power device with "
                                 f"{FENCE_NOVA} in every level"))
    return found


def coverage(model: ClusterModel) -> List[Finding]:
    """Every check of the configuration that the scheduler cannot make."""
    found: List[Finding] = []
    if model.properties.get("stonith-enabled") != "true":
        found.append(Finding(ERROR, None, "stonith-enabled is not true: failed computes are "
                             "never fenced, so never evacuated",
                             "set EnableFencing: true (the generated fencing environment "
                             "does)"))
    if not model.instance_ha:
        found.append(Finding(ERROR, None, "Instance HA is not enabled in this plan",
                             "set EnableInstanceHA: true and deploy a role with "
                             "OS::TripleO::Services::ComputeInstanceHA"))
    if model.instance_ha and not model.computes:
        found.append(Finding(ERROR, None, "no Instance HA compute is deployed",
                             "set ComputeInstanceHACount"))
    for node in model.controllers:
        found.extend(node_fencing(model, node, needs_nova=False))
    for node in model.remotes:
        found.extend(node_fencing(model, node, needs_nova=node in model.computes))
    if model.instance_ha:
        found.extend(_instance_ha_resources(model))
    for note in model.notes:
        found.append(Finding(WARNING, None, note))
    return found


def _instance_ha_resources(model: ClusterModel) -> List[Finding]:
    found: List[Finding] = []
    nova = model.primitive(FENCE_NOVA)
    if nova is None:
        found.append(Finding(ERROR, None, f"{FENCE_NOVA} is missing",
                             "deploy with EnableInstanceHA: true"))
    else:
        for node in model.computes:
            if node not in nova.host_list:
                found.append(Finding(ERROR, node, "fence-nova's pcmk_host_list does not name "
                                     "this compute: fencing it never marks it down in nova",
                                     "use a puppet-tripleo with the 2021 host list fix, or "
                                     "add the node to pcmk_host_list"))
        if nova.params.get("record_only") != "1":
            found.append(Finding(ERROR, None, "fence-nova is not record_only=1: nova-evacuate "
                                 "and fence-nova would both evacuate",
                                 "set record_only=1"))
        if nova.meta.get("provides") != "unfencing":
            found.append(Finding(ERROR, None, "fence-nova does not provide unfencing: a "
                                 "returning compute is re-enabled before its VMs are "
                                 "evacuated", "set meta provides=unfencing"))
    trigger_rule = next((loc for loc in model.locations if loc.rsc == UNFENCE_CLONE), None)
    evacuator = model.evacuator
    evac_rule = next((loc for loc in model.locations if loc.rsc == evacuator
                      and loc.attribute == ROLE_ATTRIBUTE), None)
    if model.primitive(NOVA_EVACUATE) is None:
        found.append(Finding(ERROR, None, "nova-evacuate is missing: nothing evacuates",
                             "deploy with EnableInstanceHA: true"))
    else:
        for node in model.nodes:
            attrs = model.node_attributes.get(node, {})
            if node not in model.controllers and _allowed_by(evac_rule, attrs, ban=True):
                found.append(Finding(ERROR, node, f"{evacuator} may run on this node; "
                                     "when the node fails so does the evacuation",
                                     f"keep the location rule '{ROLE_ATTRIBUTE} eq true' "
                                     "-INFINITY and the node attribute"))
    if evacuator == EVACUATE_IHA:
        found += _stock_held(model)
    for node in model.computes:
        attrs = model.node_attributes.get(node, {})
        if attrs.get(ROLE_ATTRIBUTE) != "true":
            found.append(Finding(ERROR, node, f"node attribute {ROLE_ATTRIBUTE}=true is missing",
                                 "deploy the ComputeInstanceHA service on this role"))
        if not _allowed_by(trigger_rule, attrs, ban=True):
            found.append(Finding(ERROR, node, "compute-unfence-trigger may not run here, so "
                                 "the node is never unfenced", "fix the clone's location rule"))
    return found


def _stock_held(model: ClusterModel) -> List[Finding]:
    """Puppet's nova-evacuate must never run beside ours: banned everywhere, stopped first."""
    found = []
    if not any(loc.id == STOCK_EVACUATE_OFF and loc.rsc == NOVA_EVACUATE
               and loc.operation == "defined" for loc in model.locations):
        found.append(Finding(ERROR, None, f"{STOCK_EVACUATE_OFF} is missing: puppet's "
                             f"nova-evacuate may run beside {EVACUATE_IHA}, two agents "
                             "evacuating the same computes", "deploy again: the lifecycle "
                             "tasks create it at external deploy step 5"))
    if not any(o.id == STOCK_EVACUATE_FIRST and o.first == NOVA_EVACUATE
               and o.then == EVACUATE_IHA for o in model.orders):
        found.append(Finding(ERROR, None, f"{STOCK_EVACUATE_FIRST} is missing: "
                             f"{EVACUATE_IHA} may start before nova-evacuate has stopped",
                             "deploy again: the lifecycle tasks create it at external "
                             "deploy step 5"))
    return found


def errors(findings: List[Finding], node: Optional[str] = None) -> List[Finding]:
    """Errors, optionally only those about ``node`` or the whole cluster."""
    return [f for f in findings if f.severity == ERROR
            and (node is None or f.node in (None, node))]
