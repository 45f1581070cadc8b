"""The deployment plan: what `openstack overcloud deploy` would build.

Why one model: fencing, validate, rehearse and prepare all ask the same
questions (which roles run pacemaker, which computes are Instance HA, what
each node will be called in the cluster, which fence devices it gets) and must
answer them identically.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.inventory import load_inventory
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.environment import Environment
from tripleo_instanceha.plan.fencing_config import FencingConfig, FencingDevice
from tripleo_instanceha.plan.nodes import Node
from tripleo_instanceha.plan.roles import Role, load_roles
from tripleo_instanceha.yamlio import load_file, parse_yaml, read_text

BASE_REGISTRY = ("overcloud-resource-registry-puppet.yaml",
                 "overcloud-resource-registry-puppet.j2.yaml")


@dataclass
class Placement:
    """One node slot of a role: its index, cluster hostname and the node it lands on."""

    role: Role
    index: int
    hostname: str
    node: Optional[Node] = None

    @property
    def name(self) -> str:
        """Pacemaker uses lower-cased short host names."""
        return self.hostname.split(".")[0].lower()


def _render_registry(path: str, roles: List[Role], tht_dir: str) -> Any:
    """The base registry; the .j2 form is rendered with the plan's roles like THT does."""
    text = read_text(path)
    if not path.endswith(".j2.yaml"):
        return parse_yaml(text, path)
    import jinja2
    networks: Any = []
    for name in ("network_data.yaml", "network_data_default.yaml"):
        candidate = os.path.join(tht_dir, name)
        if os.path.exists(candidate):
            networks = load_file(candidate) or []
            break
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tht_dir))
    env.globals["raise"] = lambda msg: (_ for _ in ()).throw(ValueError(msg))
    try:
        rendered = env.from_string(text).render(roles=[r.raw for r in roles],
                                                networks=networks)
    except (jinja2.TemplateError, ValueError, TypeError, AttributeError) as exc:
        # THT's jinja step would fail the same way: the roles do not suit this release.
        raise InputError.single(path, f"cannot be rendered for these roles ({exc})",
                                fix="check the roles file against this THT release "
                                    "(role names, networks)") from None
    return parse_yaml(rendered, path)


class Plan:
    def __init__(self, roles: List[Role], environment: Environment,
                 nodes: Optional[List[Node]] = None, templates_dir: Optional[str] = None,
                 stack_name: str = "overcloud", roles_file: Optional[str] = None,
                 nodes_file: Optional[str] = None):
        self.roles = roles
        self.environment = environment
        self.nodes = nodes or []
        self.templates_dir = templates_dir
        self.stack_name = stack_name
        self.roles_file = roles_file
        self.nodes_file = nodes_file
        self._placements: Optional[List[Placement]] = None
        self._fencing: Optional[FencingConfig] = None

    # -- loading ---------------------------------------------------------
    @classmethod
    def load(cls, templates_dir: Optional[str] = None, roles_file: Optional[str] = None,
             env_files: Sequence[str] = (), nodes_file: Optional[str] = None,
             stack_name: str = "overcloud") -> "Plan":
        if templates_dir and not os.path.isdir(templates_dir):
            raise InputError.single(
                templates_dir, "templates directory does not exist",
                fix="pass --templates /usr/share/openstack-tripleo-heat-templates")
        if not roles_file:
            if not templates_dir:
                raise InputError.single("-r/--roles-file", "no roles file and no --templates",
                                        fix="pass -r roles_data.yaml or --templates THT_DIR")
            roles_file = os.path.join(templates_dir, "roles_data.yaml")
        roles = load_roles(roles_file)
        env = Environment()
        if templates_dir:
            for name in BASE_REGISTRY:
                path = os.path.join(templates_dir, name)
                if os.path.exists(path):
                    env.add(_render_registry(path, roles, templates_dir), path)
                    break
        for path in env_files:
            env.add_file(path)
        nodes = load_inventory(nodes_file) if nodes_file else []
        return cls(roles, env, nodes, templates_dir, stack_name, roles_file, nodes_file)

    # -- parameters ------------------------------------------------------
    def param(self, name: str, default: Any = None) -> Any:
        if default is None and name in P.TUNABLES:
            default = P.TUNABLES[name].default
        return self.environment.param(name, default)

    @staticmethod
    def _bool(value: Any) -> bool:
        if isinstance(value, str):
            return value.strip().lower() in ("true", "yes", "1", "on", "t", "y")
        return bool(value)

    @property
    def instance_ha_enabled(self) -> bool:
        return self._bool(self.param(P.ENABLE, False)) and any(r.is_instance_ha for r in self.roles)

    @property
    def fencing_enabled(self) -> bool:
        return self._bool(self.param(P.ENABLE_FENCING, False))

    @property
    def fencing(self) -> FencingConfig:
        if self._fencing is None:
            source = self.environment.param_source.get(P.FENCING_CONFIG, P.FENCING_CONFIG)
            self._fencing = FencingConfig.from_heat(self.param(P.FENCING_CONFIG, {}), source)
        return self._fencing

    # -- roles and nodes -------------------------------------------------
    def role(self, name: str) -> Optional[Role]:
        return next((r for r in self.roles if r.name == name), None)

    def role_count(self, role: Role) -> int:
        value = self.param(f"{role.name}Count", None)
        if value is None:
            return role.count_default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InputError.single(self.environment.param_source.get(f"{role.name}Count", ""),
                                    f"{role.name}Count is not a number", field=f"{role.name}Count",
                                    fix="set a whole number") from None

    def hostname(self, role: Role, index: int) -> str:
        fmt = self.param(f"{role.name}HostnameFormat", None) or role.default_hostname_format()
        name = fmt.replace("%stackname%", self.stack_name).replace("%index%", str(index))
        name = name.replace("%role%", role.name.lower())
        return (self.param("HostnameMap", {}) or {}).get(name, name)

    def _role_profile(self, role: Role) -> str:
        flavor = self.param(f"Overcloud{role.name}Flavor", None)
        if flavor and flavor != "baremetal":
            return str(flavor)
        if role.is_cluster_member and "controller" in role.tags or role.name == "Controller":
            return "control"
        if role.name.startswith("Compute") or "compute" in role.tags:
            return "compute"
        return role.name.lower()

    def _hint_prefix(self, role: Role) -> str:
        hints = self.param(f"{role.name}SchedulerHints", None) or {}
        fmt = hints.get("capabilities:node") if isinstance(hints, dict) else None
        if fmt:
            return fmt.replace("%index%", "").rstrip("-")
        return {"Controller": "controller", "Compute": "compute"}.get(role.name, role.name.lower())

    @property
    def placements(self) -> List[Placement]:
        """Every node slot of every role, with inventory nodes assigned.

        Nodes with a `node:` capability go to the slot their hint names; then
        nodes whose profile matches a role's flavor fill that role in order;
        what is left goes to free slots in role order, as the scheduler would.
        """
        if self._placements is not None:
            return self._placements
        slots: List[Placement] = []
        for role in self.roles:
            for index in range(self.role_count(role)):
                slots.append(Placement(role, index, self.hostname(role, index)))
        free = list(self.nodes)
        by_hint = {}
        for slot in slots:
            by_hint[f"{self._hint_prefix(slot.role)}-{slot.index}"] = slot
        for node in list(free):
            slot = by_hint.get(node.node_hint or "")
            if slot and slot.node is None:
                slot.node = node
                free.remove(node)
        # A profile named after a role (computeinstanceha) is the stronger claim: it
        # goes first, so a role whose flavor profile is shared (compute) cannot take
        # a node another role names, whatever the role order.
        profile_passes = (lambda n, slot: (n.profile or "").lower() == slot.role.name.lower(),
                          lambda n, slot: n.profile == self._role_profile(slot.role))
        for claims in profile_passes:
            for slot in slots:
                if slot.node is not None:
                    continue
                match = next((n for n in free if claims(n, slot)), None)
                if match:
                    slot.node = match
                    free.remove(match)
        for slot in slots:
            if slot.node is None:
                match = next((n for n in free if not n.profile and not n.node_hint), None)
                if match:
                    slot.node = match
                    free.remove(match)
        self._placements = slots
        return slots

    def placements_where(self, predicate) -> List[Placement]:
        return [p for p in self.placements if predicate(p.role)]

    @property
    def cluster_members(self) -> List[Placement]:
        return self.placements_where(lambda r: r.is_cluster_member)

    @property
    def remotes(self) -> List[Placement]:
        return self.placements_where(lambda r: r.is_remote and not r.is_cluster_member)

    @property
    def iha_computes(self) -> List[Placement]:
        return self.placements_where(lambda r: r.is_instance_ha)

    def devices_for(self, placement: Placement) -> List[FencingDevice]:
        """Fence devices puppet-tripleo would create for this node (matched by MAC)."""
        if placement.node is None:
            return []
        macs = set(placement.node.macs)
        return [d for d in self.fencing.devices if d.mac in macs]


_HOSTNAME_RE = re.compile(r"^(?=.{1,63}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?$", re.IGNORECASE)


def valid_hostname(name: str) -> bool:
    """A name pacemaker and nova both accept (RFC 1123 label, as the RH planning guide asks)."""
    return bool(_HOSTNAME_RE.match(name))
