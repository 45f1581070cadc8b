"""Seeded generators of inventories that tripleo-common's generator accepts.

Shared by the differential test, the agent-metadata test and the benchmark,
so all three judge the same kinds of nodes.
"""
from __future__ import annotations

import random
from typing import Any, Dict, List

#: pm_type values tripleo-common maps (classic and hardware-type names).
UPSTREAM_TYPES = ("ipmi", "pxe_ipmitool", "agent_ipmitool", "ipmitool", "idrac", "drac",
                  "pxe_drac", "ilo", "pxe_ilo", "redfish", "staging-ovirt")
#: Password characters that break naive quoting (YAML, shell, pcs).
_PASSWORD_CHARS = "abcXYZ019!@#$%^&*()-_=+[]{};:'\",.<>/?\\| "


def _mac(rng: random.Random, used: set) -> str:
    while True:
        mac = "52:54:00:" + ":".join(f"{rng.randrange(256):02x}" for _ in range(3))
        if mac not in used:
            used.add(mac)
            return mac


def _address(rng: random.Random, index: int) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return f"fd00:10::{index + 1:x}"
    if kind == 1:
        return f"bmc-{index}.example.com"
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"


def node(rng: random.Random, index: int, used_macs: set) -> Dict[str, Any]:
    """One node as tripleo-common accepts it (every field it reads is present)."""
    pm_type = rng.choice(UPSTREAM_TYPES)
    entry: Dict[str, Any] = {
        "name": f"node-{index}",
        "pm_type": pm_type,
        "pm_addr": _address(rng, index),
        "pm_user": rng.choice(["admin", "root", "ADMIN", "svc-fence"]),
        "pm_password": "".join(rng.choice(_PASSWORD_CHARS) for _ in range(rng.randrange(1, 20))),
    }
    if pm_type == "redfish":
        entry["pm_system_id"] = rng.choice(["/redfish/v1/Systems/1",
                                            f"/redfish/v1/Systems/node-{index}",
                                            "/redfish/v1/Systems/System.Embedded.1"])
        if rng.random() < 0.6:
            entry["redfish_verify_ca"] = rng.choice([True, False, "true", "false"])
    if pm_type == "staging-ovirt":
        entry["pm_vm_name"] = f"vm-{index}"
    if rng.random() < 0.5:
        port = rng.choice([623, 6230 + index % 1000, 443, 8443])
        entry["pm_port"] = port if rng.random() < 0.7 else str(port)
    shape = rng.randrange(6)
    if shape in (0, 1, 2):
        entry["ports"] = [{"address": _mac(rng, used_macs)}]
    elif shape == 3:
        macs = [_mac(rng, used_macs) for _ in range(rng.randrange(2, 4))]
        pxe = rng.randrange(len(macs))
        entry["ports"] = [{"address": m, "pxe_enabled": i == pxe} for i, m in enumerate(macs)]
    elif shape == 4:
        mac = _mac(rng, used_macs).upper()
        entry["ports"] = [{"address": mac if rng.random() < 0.5 else mac.replace(":", "-")}]
    else:
        entry["mac"] = [_mac(rng, used_macs)]
    if rng.random() < 0.5:
        entry["capabilities"] = rng.choice(["profile:control,boot_option:local",
                                            "profile:compute", f"node:compute-{index}"])
    return entry


def inventory(seed: int, count: int) -> List[Dict[str, Any]]:
    rng = random.Random(seed)
    used: set = set()
    return [node(rng, i, used) for i in range(count)]


def options(seed: int) -> Dict[str, Any]:
    """tripleoclient option values, as keyword arguments of both generators."""
    rng = random.Random(seed)
    return {
        "delay": rng.choice([None, 0, 10, 30]),
        "ipmi_level": rng.choice([None, "administrator", "operator", "user", "callback"]),
        "ipmi_cipher": rng.choice([None, 3, 17]),
        "ipmi_lanplus": rng.choice([True, False]),
    }
