"""The roles file `prepare` hands to `openstack overcloud deploy -r`.

Why two paths: an operator without a roles file should get the target
release's own Controller (and Compute) role plus the Instance HA compute role
derived from that release's Compute role, so nothing drifts from what the
release ships; an operator with a roles file keeps it, and only gets the two
Instance HA services added where they are missing.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.nodes import Node
from tripleo_instanceha.plan.roles import Role, derive_instance_ha_role, load_roles, role_from_dict
from tripleo_instanceha.prepare import profiles
from tripleo_instanceha.yamlio import dump_yaml, load_file, read_text

IHA_ROLE = "ComputeInstanceHA"


@dataclass
class RolesResult:
    """The roles file to write, the parsed roles, and what was done to get there."""

    text: str
    roles: List[Role]
    origin: str
    changes: List[str] = field(default_factory=list)


def _role_file(tht_dir: str, name: str) -> str:
    return os.path.join(tht_dir, "roles", f"{name}.yaml")


def _load_one(path: str) -> Dict[str, Any]:
    data = load_file(path)
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict) or not data.get("name"):
        raise InputError.single(path, "not a single role definition",
                                fix="point --templates at a tripleo-heat-templates tree")
    return data


def _tht_role_names(tht_dir: str) -> Dict[str, str]:
    """normalised name -> role name, for every role file the release ships."""
    roles_dir = os.path.join(tht_dir, "roles")
    try:
        names = sorted(n[:-5] for n in os.listdir(roles_dir) if n.endswith(".yaml"))
    except OSError:
        raise InputError.single(roles_dir, "the templates have no roles/ directory",
                                fix="point --templates at a tripleo-heat-templates tree") from None
    return {profiles.normalise(n): n for n in names}


def _iha_role_text(compute: Dict[str, Any], tht_dir: str) -> str:
    header = ("#" * 79 + "\n"
              f"# Role: {IHA_ROLE}" + " " * (79 - 10 - len(IHA_ROLE)) + "#\n" + "#" * 79 + "\n"
              f"# Derived from {os.path.basename(tht_dir.rstrip('/'))}/roles/Compute.yaml: the\n"
              "# same services plus ComputeInstanceHA and PacemakerRemote.\n")
    return header + dump_yaml([derive_instance_ha_role(compute)])


def derive_roles(tht_dir: str, nodes: List[Node]) -> RolesResult:
    """Controller + (Compute) + ComputeInstanceHA (+ storage roles) from the release's roles/."""
    counts = profiles.profile_counts(nodes)
    shipped = _tht_role_names(tht_dir)
    for needed in ("Controller", "Compute"):
        if profiles.normalise(needed) not in shipped:
            raise InputError.single(_role_file(tht_dir, needed), "the release has no such role",
                                    fix="point --templates at a tripleo-heat-templates tree")
    iha_marked = any(p in profiles.IHA_PROFILES or profiles.normalise(p) == "computeinstanceha"
                     for p in counts)
    wanted = ["Controller"]
    if iha_marked and counts.get(profiles.COMPUTE_PROFILE):
        wanted.append("Compute")
    extra = []
    for profile in sorted(counts):
        key = profiles.normalise(profile)
        if profile in profiles.CONTROL_PROFILES + profiles.IHA_PROFILES \
                + (profiles.COMPUTE_PROFILE,):
            continue
        name = profiles.STORAGE_PROFILES.get(profile) or shipped.get(key)
        if name and name not in wanted + extra + [IHA_ROLE]:
            extra.append(name)
    texts, data = [], []
    for name in wanted:
        path = _role_file(tht_dir, name)
        texts.append(read_text(path).rstrip("\n") + "\n")
        data.append(_load_one(path))
    compute = _load_one(_role_file(tht_dir, "Compute"))
    texts.append(_iha_role_text(compute, tht_dir))
    data.append(derive_instance_ha_role(compute))
    for name in extra:
        path = _role_file(tht_dir, name)
        texts.append(read_text(path).rstrip("\n") + "\n")
        data.append(_load_one(path))
    text = "".join(texts)
    roles = [role_from_dict(item, "roles_data.yaml") for item in data]
    return RolesResult(text, roles, f"derived from {tht_dir}/roles",
                       [f"roles {', '.join(r.name for r in roles)} from the release's roles/"])


def _insert_sorted(services: List[str], service: str) -> None:
    position = next((i for i, s in enumerate(services) if s.lower() > service.lower()),
                    len(services))
    services.insert(position, service)


def augment_roles(path: str) -> RolesResult:
    """The operator's roles file with the Instance HA services added where missing."""
    original = load_roles(path)
    if not any(r.is_cluster_member for r in original):
        raise InputError.single(path, f"no role runs {P.SERVICE_PACEMAKER}: Instance HA needs a "
                                "pacemaker cluster", field="ServicesDefault",
                                fix="include the Controller role (openstack overcloud roles "
                                    "generate Controller Compute)")
    raw = [copy.deepcopy(r.raw) for r in original]
    changes: List[str] = []
    targets = [item for item, role in zip(raw, original) if role.is_instance_ha]
    if not targets:
        targets = [item for item, role in zip(raw, original) if role.has("NovaCompute")]
        if not targets:
            raise InputError.single(path, f"no role runs {P.SERVICE_NOVA_COMPUTE}: there is no "
                                    "compute to protect", field="ServicesDefault",
                                    fix="include the Compute role")
    for item in targets:
        services = item.setdefault("ServicesDefault", [])
        for service in (P.SERVICE_COMPUTE_IHA, P.SERVICE_PACEMAKER_REMOTE):
            if service not in services:
                _insert_sorted(services, service)
                changes.append(f"added {service.rsplit('::', 1)[1]} to role {item['name']}")
    if changes:
        text = (f"# {os.path.basename(path)} with the Instance HA services added by "
                "tripleo-instanceha prepare:\n"
                + "".join(f"#   {c}\n" for c in changes) + dump_yaml(raw))
    else:
        text = read_text(path)
    roles = [role_from_dict(item, path) for item in raw]
    return RolesResult(text, roles, path, changes)


def roles_for(tht_dir: str, nodes: List[Node], roles_file: Optional[str]) -> RolesResult:
    return augment_roles(roles_file) if roles_file else derive_roles(tht_dir, nodes)
