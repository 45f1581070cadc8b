"""Nodes + options -> the fencing environment puppet-tripleo's ``tripleo::fencing`` reads.

Why a Python API under the CLI: `validate` and `prepare` build the same
FencingConfig without going through files, and tests compare it directly with
tripleo-common's generator. Nothing is returned until every node has passed
the checks: a run either yields a complete configuration or one InputError
listing every problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from tripleo_instanceha.errors import InputError, Problem
from tripleo_instanceha.fencing import checks as C
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.inventory import Inventory, read_inventory
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.fencing_config import FencingConfig, FencingDevice
from tripleo_instanceha.plan.nodes import Node
from tripleo_instanceha.plan.plan import Plan


@dataclass(frozen=True)
class Selection:
    """Which nodes get devices. Empty = every node, or with a plan every node that
    lands in a role running pacemaker or pacemaker_remote."""

    names: Tuple[str, ...] = ()
    profiles: Tuple[str, ...] = ()
    roles: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()

    @property
    def explicit(self) -> bool:
        return bool(self.names or self.profiles or self.roles)


@dataclass
class NodeFencing:
    """The devices of one node and the cluster host name it will have (when known)."""

    node: Node
    devices: List[FencingDevice]
    hostname: Optional[str] = None
    role: Optional[str] = None
    #: Whether the node's role runs nova-compute (None: no plan to tell).
    compute: Optional[bool] = None


@dataclass
class Generated:
    config: FencingConfig
    entries: List[NodeFencing]
    skipped: List[Tuple[Node, str]] = field(default_factory=list)
    warnings: List[Problem] = field(default_factory=list)

    def environment(self) -> dict:
        """The Heat environment: what `openstack overcloud deploy -e` takes."""
        return {"parameter_defaults": {P.ENABLE_FENCING: True,
                                       P.FENCING_CONFIG: self.config.to_heat()}}


def _select(nodes: Sequence[Node], selection: Selection, plan: Optional[Plan],
            out: C.Collector) -> Tuple[List[Tuple[Node, Tuple]], List[Tuple[Node, str]]]:
    """(node, (cluster host name, role, in cluster, compute)) of the selected nodes,
    and the skipped nodes with why."""
    by_name = {n.name: n for n in nodes if n.name}
    for name in selection.names + selection.exclude:
        if name not in by_name:
            out.general(f"no node is named {C.quote(name)}", field="--node/--exclude",
                        fix="use a name from the inventory's 'name' fields")
    placed: Dict[int, Tuple[Optional[str], Optional[str], bool, Optional[bool]]] = {}
    if plan is not None:
        known = {r.name for r in plan.roles}
        for role in selection.roles:
            if role not in known:
                out.general(f"role {C.quote(role)} is not in the roles file", field="--role",
                            fix=f"use one of {', '.join(sorted(known))}")
        for placement in plan.placements:
            if placement.node is not None:
                in_cluster = placement.role.is_cluster_member or placement.role.is_remote
                compute = placement.role.is_instance_ha or placement.role.has(
                    P.SERVICE_NOVA_COMPUTE)
                placed[id(placement.node)] = (placement.name, placement.role.name, in_cluster,
                                              compute)
    elif selection.roles:
        out.general("--role needs the roles file to know which node lands in which role",
                    field="--role", fix="pass -r roles_data.yaml (and -e your environments)")
    chosen, skipped = [], []
    for node in nodes:
        where = placed.get(id(node), (None, None, False, None))
        host, role, in_cluster, _ = where
        if node.name in selection.exclude:
            skipped.append((node, "excluded with --exclude"))
            continue
        if selection.explicit:
            hit = (node.name in selection.names or node.profile in selection.profiles
                   or (role is not None and role in selection.roles))
            if not hit:
                skipped.append((node, "not selected by --node/--profile/--role"))
                continue
        elif plan is not None and not in_cluster:
            reason = (f"lands in role {role}, which runs no pacemaker" if role
                      else "gets no slot in the plan's roles")
            skipped.append((node, reason))
            continue
        chosen.append((node, where))
    if not chosen and not out.problems:
        out.general("no node is selected for fencing", field="selection",
                    fix="check --node/--profile/--role/--exclude and the role counts")
    return chosen, skipped


def build(nodes: Sequence[Node], options: D.Options = D.Options(),
          selection: Selection = Selection(), plan: Optional[Plan] = None,
          source: str = "inventory", problems: Sequence[Problem] = ()) -> Generated:
    """Check everything, then build the devices; InputError lists every problem."""
    out = C.Collector(source)
    out.problems.extend(problems)
    out.problems.extend(C.check_options(options))
    C.check_structure(nodes, out)
    chosen, skipped = _select(nodes, selection, plan, out)
    C.check_devices([n for n, _ in chosen], options, out)
    if out.problems:
        raise InputError(sorted(out.problems, key=lambda p: p.line or 0))
    config = FencingConfig(leveled=options.leveled)
    for number in range(1, len(options.levels) + 1):
        config.levels[number] = []
    entries = []
    for node, (host, role, _, compute) in chosen:
        devices = []
        for number, _, protocol in D.node_levels(node.driver, options):
            if protocol is None:
                continue
            params = D.device_params(protocol, node.driver, D.bmc_for(node, protocol), options)
            device = FencingDevice(D.AGENTS[protocol], node.host_mac, params, number)
            config.levels[number].append(device)
            devices.append(device)
        entries.append(NodeFencing(node, devices, host, role, compute))
    return Generated(config, entries, skipped, out.warnings)


def generate(inventory_path: str, options: D.Options = D.Options(),
             selection: Selection = Selection(), roles_file: Optional[str] = None,
             env_files: Sequence[str] = (), stack_name: str = "overcloud") -> Generated:
    """From files: the inventory, and optionally the roles and environments of the plan."""
    inventory: Inventory = read_inventory(inventory_path)
    plan = None
    if roles_file or env_files:
        if not roles_file:
            raise InputError.single("-e/--environment-file", "environments need the roles file",
                                    fix="pass -r roles_data.yaml too")
        plan = Plan.load(roles_file=roles_file, env_files=env_files, stack_name=stack_name)
        plan.nodes = inventory.nodes
    return build(inventory.nodes, options, selection, plan, inventory.source,
                 inventory.problems)
