"""Load a node inventory: instackenv.json, nodes.yaml or the CSV tripleoclient accepts.

Why: every command starts from what the operator already has. This module only
turns the file into `Node` objects; per-field validation that the fencing
generator needs lives with the generator.
"""
from __future__ import annotations

from typing import Any, Dict, List

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan.nodes import Node, Port
from tripleo_instanceha.yamlio import load_file


def parse_capabilities(value: Any) -> Dict[str, str]:
    """'profile:compute,boot_option:local' or a mapping -> dict."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    caps: Dict[str, str] = {}
    if isinstance(value, str):
        for item in value.split(","):
            if ":" in item:
                key, _, val = item.partition(":")
                caps[key.strip()] = val.strip()
    return caps


def normalise_driver(pm_type: Any) -> Any:
    """'pxe_ipmitool' -> 'ipmitool' -> 'ipmi'; hardware types pass through."""
    if not isinstance(pm_type, str):
        return pm_type
    driver = pm_type.strip().lower()
    if driver.startswith(("pxe_", "agent_", "fake_", "iscsi_")) and "_" in driver:
        driver = driver.split("_", 1)[1]
    return {"ipmitool": "ipmi", "drac": "idrac"}.get(driver, driver)


def node_from_dict(index: int, raw: Dict[str, Any]) -> Node:
    caps = parse_capabilities(raw.get("capabilities")
                              or (raw.get("properties") or {}).get("capabilities"))
    ports = []
    for port in raw.get("ports") or []:
        if isinstance(port, dict) and port.get("address"):
            ports.append(Port(str(port["address"]), port.get("pxe_enabled")))
    if not ports:
        for mac in raw.get("mac") or []:
            ports.append(Port(str(mac)))
    bmc = {
        "address": raw.get("pm_addr"),
        "port": raw.get("pm_port"),
        "username": raw.get("pm_user"),
        "password": raw.get("pm_password"),
        "system_id": raw.get("pm_system_id"),
        "verify_ca": raw.get("redfish_verify_ca"),
        "vm_name": raw.get("pm_vm_name"),
    }
    return Node(index=index, name=raw.get("name"), driver=normalise_driver(raw.get("pm_type")),
                bmc={k: v for k, v in bmc.items() if v is not None}, ports=ports,
                capabilities=caps, raw=raw)


def load_inventory(path: str) -> List[Node]:
    """Load an inventory file into nodes (raises InputError on unreadable input)."""
    data = load_file(path)
    if isinstance(data, dict) and "nodes" in data:
        data = data["nodes"]
    if not isinstance(data, list):
        raise InputError.single(path, "the inventory must be a list of nodes or {nodes: [...]}",
                                fix="put the nodes under a top-level 'nodes' key")
    nodes = []
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise InputError.single(path, f"node #{index} is not a mapping",
                                    field=f"nodes[{index}]", fix="describe each node as key: value")
        nodes.append(node_from_dict(index, raw))
    return nodes
