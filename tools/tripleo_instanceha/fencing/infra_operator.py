"""The same devices in infra-operator's ``fencing.yaml`` (the InstanceHa fencing secret).

Why: clouds moving from TripleO to the openstack-k8s-operators generation
need the per-compute BMC credentials again, keyed by the compute's short host
name and in that operator's agent vocabulary (``ipmi`` / ``redfish``: ipaddr,
ipport, login, passwd, and for Redfish tls and the system id as ``uuid``).
Only power devices translate; kdump levels and VM agents have no counterpart
there and are reported as skipped. When the plan tells which nodes run
nova-compute, only those are exported: the operator fences computes only,
and controller BMC passwords have no business in its secret.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from tripleo_instanceha.fencing.generator import Generated

_REDFISH_SYSTEMS = "/redfish/v1/Systems/"


def _redfish_uuid(systems_uri: Any) -> str:
    text = str(systems_uri or "").rstrip("/")
    if text.startswith(_REDFISH_SYSTEMS):
        return text[len(_REDFISH_SYSTEMS):]
    return text.rsplit("/", 1)[-1]


def export(generated: Generated) -> Tuple[Dict[str, Any], List[str]]:
    """({FencingConfig: {host: {...}}}, notes about what was not exported)."""
    config: Dict[str, Dict[str, Any]] = {}
    notes: List[str] = []
    for entry in generated.entries:
        node = entry.node
        if entry.compute is False:
            continue  # the operator fences computes only: keep other BMC passwords out
        host = entry.hostname or (node.name.split(".")[0].lower() if node.name else None)
        if not host:
            notes.append(f"node #{node.index} has no name, so it has no key in fencing.yaml "
                         "(give it a name, or pass -r/-e to use its cluster host name)")
            continue
        power = [d for d in entry.devices if d.agent in ("fence_ipmilan", "fence_redfish")]
        if not power:
            agents = ", ".join(sorted({d.agent for d in entry.devices
                                       if d.agent != "fence_kdump"})) or "no power device"
            notes.append(f"{host}: {agents} has no infra-operator agent; not exported")
            continue
        device = power[0]
        params = device.params
        item: Dict[str, Any] = {
            "agent": "ipmi" if device.agent == "fence_ipmilan" else "redfish",
            # Its Redfish client pastes ipaddr into a URL (IPv6 keeps its brackets);
            # ipmitool takes the bare address.
            "ipaddr": str(params.get("ipaddr", "")).strip("[]")
            if device.agent == "fence_ipmilan" else str(params.get("ipaddr", "")),
            "ipport": str(params.get("ipport", 623 if device.agent == "fence_ipmilan"
                                     else 443)),
            "login": params.get("login"),
            "passwd": params.get("passwd"),
        }
        if device.agent == "fence_redfish":
            item["tls"] = "true"
            item["uuid"] = _redfish_uuid(params.get("systems_uri"))
        if host in config:
            notes.append(f"{host}: two nodes have this host name; only the first is exported")
            continue
        config[host] = item
    return {"FencingConfig": config}, notes
