"""Roles as roles_data.yaml describes them, and the derived Instance HA role."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.yamlio import load_file

PREFIX = "OS::TripleO::Services::"


@dataclass
class Role:
    name: str
    services: List[str]
    count_default: int = 0
    hostname_format: Optional[str] = None
    tags: List[str] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)
    source: str = ""

    def has(self, service: str) -> bool:
        if not service.startswith(PREFIX):
            service = PREFIX + service
        return service in self.services

    @property
    def is_instance_ha(self) -> bool:
        return self.has(P.SERVICE_COMPUTE_IHA)

    @property
    def is_cluster_member(self) -> bool:
        return self.has(P.SERVICE_PACEMAKER)

    @property
    def is_remote(self) -> bool:
        return self.has(P.SERVICE_PACEMAKER_REMOTE)

    def default_hostname_format(self) -> str:
        if self.hostname_format:
            return self.hostname_format
        short = {"Controller": "controller", "Compute": "novacompute",
                 "ComputeInstanceHA": "novacomputeiha"}.get(self.name, self.name.lower())
        return f"%stackname%-{short}-%index%"


def role_from_dict(data: Dict[str, Any], source: str) -> Role:
    if not isinstance(data, dict) or not data.get("name"):
        raise InputError.single(source, "a role has no 'name'", fix="give every role a name")
    services = data.get("ServicesDefault") or []
    if not isinstance(services, list):
        raise InputError.single(source, "ServicesDefault must be a list",
                                field=f"{data['name']}.ServicesDefault", fix="make it a YAML list")
    if not isinstance(data["name"], str):
        raise InputError.single(source, f"role name {data['name']!r} is not a string",
                                field="name", fix="name the role with letters and digits")
    count = data.get("CountDefault", 0)
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)  # Heat reads the j2-rendered default as a number
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InputError.single(source, f"CountDefault of role {data['name']} is {count!r}, not "
                                "a whole number >= 0", field=f"{data['name']}.CountDefault",
                                fix="set CountDefault: 0 or more")
    hostname_format = data.get("HostnameFormatDefault")
    if hostname_format is not None and not isinstance(hostname_format, str):
        raise InputError.single(source, f"HostnameFormatDefault of role {data['name']} is not "
                                "a string", field=f"{data['name']}.HostnameFormatDefault",
                                fix="use a format like '%stackname%-compute-%index%'")
    return Role(name=str(data["name"]), services=[str(s) for s in services],
                count_default=count,
                hostname_format=hostname_format,
                tags=_tags(data, source), raw=data, source=source)


def _tags(data: Dict[str, Any], source: str) -> List[str]:
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        raise InputError.single(source, f"tags of role {data['name']} must be a list",
                                field=f"{data['name']}.tags", fix="write tags: [compute]")
    return [str(t) for t in tags]


def load_roles(path: str) -> List[Role]:
    data = load_file(path)
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InputError.single(path, "a roles file must be a non-empty list of roles",
                                fix="generate one with 'openstack overcloud roles generate'")
    roles = [role_from_dict(item, path) for item in data]
    seen = set()
    for role in roles:
        if role.name in seen:
            raise InputError.single(path, f"role {role.name} is defined twice", field=role.name,
                                    fix="keep one definition")
        seen.add(role.name)
    return roles


def derive_instance_ha_role(compute: Dict[str, Any]) -> Dict[str, Any]:
    """The Compute role of a release, plus ComputeInstanceHA and PacemakerRemote.

    Nothing of Compute's services or settings is dropped (upstream's copy lost
    Rear); the two services are inserted in the role's alphabetical order so
    diffs against Compute stay small. Only the legacy ``deprecated_*`` names are
    left out: they bind the Compute role's old parameter names (NovaComputeIPs,
    ...), which a second role must not claim, or THT renders two conflicting
    definitions of them.
    """
    role = {key: copy.deepcopy(value) for key, value in compute.items()
            if not (key.startswith("deprecated_") or key == "uses_deprecated_params")}
    role["name"] = "ComputeInstanceHA"
    role["description"] = ("Compute node role with Instance HA: its VMs are evacuated to another "
                           "compute when it fails. Deploy with -e environments/instance-ha.yaml.")
    role["HostnameFormatDefault"] = "%stackname%-novacomputeiha-%index%"
    services = list(role.get("ServicesDefault") or [])
    for service in (P.SERVICE_COMPUTE_IHA, P.SERVICE_PACEMAKER_REMOTE):
        if service in services:
            continue
        position = next((i for i, s in enumerate(services) if s.lower() > service.lower()),
                        len(services))
        services.insert(position, service)
    role["ServicesDefault"] = services
    return role
