"""The infra-operator fencing.yaml export of the same devices."""
from __future__ import annotations

from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.fencing.generator import build
from tripleo_instanceha.fencing.infra_operator import export
from tripleo_instanceha.inventory import inventory_from_data

NODES = [
    {"name": "Compute-0.example.com", "pm_type": "ipmi", "pm_addr": "fd00::10", "pm_user": "u",
     "pm_password": "p", "ports": [{"address": "52:54:00:00:00:10"}]},
    {"name": "compute-1", "pm_type": "redfish", "pm_addr": "fd00::11", "pm_port": 8443,
     "pm_user": "u", "pm_password": "p", "pm_system_id": "/redfish/v1/Systems/System.Embedded.1",
     "ports": [{"address": "52:54:00:00:00:11"}]},
    {"name": "compute-2", "pm_type": "staging-ovirt", "pm_addr": "engine", "pm_user": "u",
     "pm_password": "p", "pm_vm_name": "vm2", "ports": [{"address": "52:54:00:00:00:12"}]},
    {"pm_type": "ipmi", "pm_addr": "192.0.2.13", "pm_user": "u", "pm_password": "p",
     "ports": [{"address": "52:54:00:00:00:13"}]},
]


def test_export_keys_short_host_names_in_the_operators_vocabulary():
    generated = build(inventory_from_data(NODES, "x").nodes, D.Options(levels=("kdump", "power")))
    data, notes = export(generated)
    config = data["FencingConfig"]
    assert sorted(config) == ["compute-0", "compute-1"]
    assert config["compute-0"] == {"agent": "ipmi", "ipaddr": "fd00::10", "ipport": "623",
                                   "login": "u", "passwd": "p"}
    assert config["compute-1"] == {"agent": "redfish", "ipaddr": "[fd00::11]", "ipport": "8443",
                                   "login": "u", "passwd": "p", "tls": "true",
                                   "uuid": "System.Embedded.1"}
    assert any("compute-2: fence_rhevm has no infra-operator agent" in n for n in notes)
    assert any("node #3 has no name" in n for n in notes)
