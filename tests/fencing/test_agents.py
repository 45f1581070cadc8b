"""Every device we emit is valid for the installed fence agent (``fence_xxx -o metadata``)."""
from __future__ import annotations

import pytest

from tests.fencing import corpus
from tripleo_instanceha.fencing import agents
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.fencing.generator import build
from tripleo_instanceha.inventory import inventory_from_data
from tripleo_instanceha.plan.fencing_config import PUPPET_AGENTS

EXTRA = [
    {"name": "irmc-0", "pm_type": "irmc", "pm_addr": "192.0.2.40", "pm_user": "u",
     "pm_password": "p", "pm_port": 623, "ports": [{"address": "52:54:01:00:00:40"}]},
    {"name": "xcc-0", "pm_type": "xclarity", "xclarity_address": "xcc.example.com",
     "xclarity_username": "u", "xclarity_password": "p",
     "ports": [{"address": "52:54:01:00:00:41"}]},
    {"name": "idrac-0", "pm_type": "idrac", "drac_address": "192.0.2.42", "drac_username": "u",
     "drac_password": "p", "redfish_address": "https://192.0.2.42:8443",
     "redfish_system_id": "/redfish/v1/Systems/System.Embedded.1",
     "redfish_verify_ca": False, "ports": [{"address": "52:54:01:00:00:42"}]},
    {"name": "ilo-0", "pm_type": "pxe_ilo", "pm_addr": "[fd00::43]", "pm_user": "u",
     "pm_password": "p", "ports": [{"address": "52:54:01:00:00:43"}]},
    {"name": "kv-0", "pm_type": "kubevirt", "pm_vm_name": "compute-0",
     "pm_namespace": "openstack", "pm_kubeconfig": "/etc/kubeconfig",
     "redfish_verify_ca": False, "ports": [{"address": "52:54:01:00:00:44"}]},
    {"name": "ovirt-0", "pm_type": "staging-ovirt", "ovirt_address": "engine.example.com",
     "ovirt_username": "admin@internal", "ovirt_password": "p", "ovirt_vm_name": "vm-45",
     "ports": [{"address": "52:54:01:00:00:45"}]},
]

OPTION_SETS = [
    D.Options(),
    D.Options(delay=15, ipmi_level="operator", ipmi_cipher=17, ipmi_lanplus=False),
    D.Options(levels=("kdump", "power"), kdump_timeout=90),
    D.Options(levels=("power", "redfish")),
    D.Options(levels=("power", "ipmi"), bmc_protocol="redfish"),
    D.Options(levels=("power", "kdump"), bmc_protocol="redfish", delay=5),
]


def generated_devices():
    for seed, options in enumerate(OPTION_SETS):
        nodes = corpus.inventory(seed, 30) + EXTRA
        inventory = inventory_from_data(nodes, "corpus")
        yield from build(inventory.nodes, options).config.devices


def test_every_device_matches_the_agent_metadata():
    seen = set()
    for device in generated_devices():
        assert device.agent in PUPPET_AGENTS
        meta = agents.metadata(device.agent)
        assert meta.problems(device.params, pacemaker_supplies=("action",)) == [], device.params
        seen.add(device.agent)
    assert seen == {"fence_ipmilan", "fence_redfish", "fence_rhevm", "fence_kubevirt",
                    "fence_kdump"}


@pytest.mark.parametrize("agent, params, expected", [
    ("fence_redfish", {"ipaddr": "h", "login": "u", "passwd": "p", "privlvl": "operator"},
     "has no parameter 'privlvl'"),
    ("fence_ipmilan", {"ipaddr": "h", "ssl_insecure": "true"}, "has no parameter 'ssl_insecure'"),
    ("fence_redfish", {"ipaddr": "h", "passwd": "p"}, "requires 'username'"),
    ("fence_rhevm", {"ipaddr": "h", "login": "u", "passwd": "p"}, "requires 'plug'"),
    ("fence_ipmilan", {"ipaddr": "h", "privlvl": "root"}, "takes one of"),
    ("fence_ipmilan", {"ipaddr": "h", "ipport": "x"}, "takes a whole number"),
])
def test_metadata_check_catches_what_tripleo_common_emits(agent, params, expected):
    """The check is not vacuous: upstream's quirks (privlvl on redfish, ...) fail it."""
    problems = agents.metadata(agent).problems(params, pacemaker_supplies=("action",))
    assert any(expected in p for p in problems), problems


def test_device_problems_for_validate():
    assert agents.device_problems("fence_ipmilan", {"ipaddr": "h", "login": "u"}) == []
    assert agents.device_problems("fence_kdump", {"bogus": 1}) == [
        "fence_kdump has no parameter 'bogus'"]


def test_parse_metadata_reads_aliases():
    meta = agents.metadata("fence_redfish")
    assert "login" in meta.aliases("username") and "username" in meta.aliases("login")
    assert meta.parameters["ipport"].default == "443"
