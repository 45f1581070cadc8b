"""Bad inventories: every problem in one pass, naming node and field, never a password."""
from __future__ import annotations

import copy
import random

import pytest

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.fencing.generator import Selection, build
from tripleo_instanceha.inventory import inventory_from_data

SECRET = "Zq-Secret-4471"


def good(index=0, **changes):
    node = {"name": f"node-{index}", "pm_type": "ipmi", "pm_addr": f"192.0.2.{index + 1}",
            "pm_user": "admin", "pm_password": SECRET,
            "ports": [{"address": f"52:54:00:00:00:{index + 1:02x}"}]}
    node.update(changes)
    return {k: v for k, v in node.items() if v is not None}


def problems_of(nodes, options=D.Options(), selection=Selection()):
    inventory = inventory_from_data(copy.deepcopy(nodes), "inv.yaml")
    with pytest.raises(InputError) as err:
        build(inventory.nodes, options, selection, source="inv.yaml",
              problems=inventory.problems)
    text = str(err.value)
    assert SECRET not in text
    return text


@pytest.mark.parametrize("node, expected", [
    (good(pm_type="fake-hardware"), "node node-0 (#0): pm_type: driver 'fake-hardware' has no"),
    (good(pm_type="pxe_ssh"), "driver 'pxe_ssh'"),
    (good(pm_type=None), "pm_type: is missing"),
    (good(pm_type=["ipmi"]), "pm_type: must be a driver name, not a list"),
    (good(pm_addr=None), "pm_addr: is missing"),
    (good(pm_addr=""), "pm_addr: is missing; fence_ipmilan needs it (fix"),
    (good(pm_user=None), "pm_user: is missing"),
    (good(pm_password=None), "pm_password: is missing"),
    (good(pm_password=""), "pm_password: is missing"),
    (good(pm_password={"x": 1}), "pm_password: must be text, not a mapping"),
    (good(pm_addr="300.1.1.1"), "'300.1.1.1' is not a valid IP address"),
    (good(pm_addr="bmc_host!"), "is not a valid IP address or host name"),
    (good(pm_addr="fd00::1::2"), "is not a valid IP address"),
    (good(pm_addr="ftp://bmc"), "is not a valid IP address"),
    (good(pm_addr=10), "a number is not a valid IP address"),
    (good(pm_port=0), "pm_port: '0' is not an integer 1-65535"),
    (good(pm_port=65536), "'65536' is not an integer 1-65535"),
    (good(pm_port="abc"), "'abc' is not an integer 1-65535"),
    (good(pm_port=True), "a boolean is not an integer 1-65535"),
    (good(ports=[{"address": "52:54:00:00:00"}]), "ports[0].address: '52:54:00:00:00' is not a"),
    (good(ports=[{"address": "ff:ff:ff:ff:ff:ff"}]), "zero, broadcast or multicast"),
    (good(ports=[{"address": 5}]), "ports[0].address: must be a MAC address, not a number"),
    (good(ports=[{"mac": "52:54:00:00:00:01"}]), "ports[0].address: is missing"),
    (good(ports={"address": "52:54:00:00:00:01"}), "ports: must be a list, not a mapping"),
    (good(ports=[{"address": "52:54:00:00:00:01", "pxe_enabled": "maybe"}]),
     "pxe_enabled: must be true or false"),
    (good(ports=None, mac="nope"), "mac: 'nope' is not a MAC address"),
    (good(ports=None, mac={"a": 1}), "mac: must be a list of MAC addresses"),
    (good(capabilities="profile"), "capabilities: 'profile' is not key:value"),
    (good(capabilities=5), "capabilities: must be text"),
    (good(name=["a"]), "name: must be text, not a list"),
    (good(name=""), "name: is empty"),
    (good(pm_type="redfish"), "pm_system_id: is missing; fence_redfish needs it"),
    (good(pm_type="redfish", pm_system_id="/redfish/v1/Systems/1", redfish_verify_ca=[1]),
     "redfish_verify_ca: must be true, false or a CA file path"),
    (good(pm_type="staging-ovirt"), "pm_vm_name: is missing"),
    (good(pm_type="kubevirt"), "pm_vm_name: is missing"),
    (good(pm_user="a\nb"), "pm_user: contains a line break"),
    (good(driver_info="x"), "driver_info: must be a mapping"),
    (good(ipmi_priv_level="ROOT"), "ipmi_priv_level: is not an IPMI privilege level"),
    (good(driver_info={"ipmi_cipher_suite": 99}), "ipmi_cipher_suite: is not an IPMI cipher"),
    (good(ipmi_protocol_version="3.0"), "ipmi_protocol_version: must be 1.5 or 2.0"),
    (good(capabilities={"profile": ["a"]}), "capabilities.profile: must be a single value"),
    (good(name="n" * 500, pm_type="bogus"),
     "node " + "n" * 60 + "... (500 characters) (#0): pm_type"),
])
def test_each_bad_field_is_named(node, expected):
    assert expected in problems_of([node])


def test_duplicates_across_nodes():
    text = problems_of([
        good(0),
        good(1, name="node-0", pm_addr="192.0.2.1",
             ports=[{"address": "52-54-00-00-00-01"}]),
        good(2, pm_addr="192.0.2.1", pm_port=623),
    ])
    assert "node node-0 (#1): name: 'node-0' is also the name of node #0" in text
    assert "MAC 52:54:00:00:00:01 also belongs to node node-0 (#0)" in text
    assert "the same fence_ipmilan target as node node-0 (#0) (192.0.2.1 623)" in text
    assert text.count("pm_addr") == 2  # the copied address, once per copy
    assert "node node-2 (#2): pm_addr: the same fence_ipmilan target" in text


def test_same_address_different_port_or_system_is_fine():
    """vBMC: one address, a port per node; sushy-tools: one port, a system per node."""
    nodes = [good(0, pm_port=6230), good(1, pm_addr="192.0.2.1", pm_port=6231),
             good(2, pm_type="redfish", pm_addr="192.0.2.9", pm_system_id="/redfish/v1/Systems/a"),
             good(3, pm_type="redfish", pm_addr="192.0.2.9", pm_system_id="/redfish/v1/Systems/b")]
    generated = build(inventory_from_data(nodes, "x").nodes)
    assert len(generated.config.devices) == 4


def test_all_problems_in_one_pass():
    nodes = [good(0, pm_type="fake"), good(1, pm_addr="999.1.1.1"), good(2, pm_port=99999),
             good(3, ports=[{"address": "bad"}]), "not a node"]
    lines = problems_of(nodes).splitlines()
    assert len(lines) == 5
    for label in ("#0", "#1", "#2", "#3", "#4"):
        assert any(label in line for line in lines)


def test_unselected_nodes_are_not_judged_on_drivers():
    nodes = [good(0), good(1, pm_type="manual-management", pm_addr=None)]
    generated = build(inventory_from_data(nodes, "x").nodes, selection=Selection(exclude=(
        "node-1",)))
    assert [e.node.name for e in generated.entries] == ["node-0"]
    assert generated.skipped[0][1] == "excluded with --exclude"


def test_selection_errors():
    nodes = [good(0)]
    assert "no node is named 'ghost'" in problems_of(nodes, selection=Selection(names=("ghost",)))
    assert "--role needs the roles file" in problems_of(nodes, selection=Selection(
        roles=("Controller",)))
    assert "no node is selected" in problems_of(nodes, selection=Selection(
        profiles=("compute",)))


@pytest.mark.parametrize("options, expected", [
    (D.Options(delay=-1), "--delay: must be 0 or more"),
    (D.Options(ipmi_cipher=42), "--ipmi-cipher"),
    (D.Options(ipmi_level="root"), "'root' is not an IPMI privilege level"),
    (D.Options(levels=("power", "bogus")), "'bogus' is not a fence level kind"),
    (D.Options(levels=("power", "power")), "a level kind is repeated"),
    (D.Options(levels=()), "no fence level given"),
    (D.Options(levels=("kdump",)), "--levels: 'kdump' gives no node power fencing"),
])
def test_bad_options(options, expected):
    assert expected in problems_of([good(0)], options)


@pytest.mark.parametrize("levels, expected", [
    (("pwer",), "--levels: 'pwer' is not a fence level kind"),
    (("pwer", "kdmp"), "--levels: 'pwer,kdmp': 'pwer', 'kdmp' are not fence level kinds"),
    (("kdump",), "--levels: 'kdump' gives no node power fencing"),
])
def test_one_bad_levels_value_is_one_error_not_one_per_node(levels, expected):
    nodes = [good(i) for i in range(4)]
    with pytest.raises(InputError) as exc:
        build(inventory_from_data(nodes, "x").nodes, D.Options(levels=levels))
    assert [str(p) for p in exc.value.problems if "--levels" in str(p)] == [str(
        exc.value.problems[0])] and len(exc.value.problems) == 1
    assert expected in str(exc.value.problems[0])
    assert "power, kdump, ipmi, redfish" in exc.value.problems[0].fix or "kdump,power" in \
        exc.value.problems[0].fix


def test_no_mac_is_a_warning_and_the_device_is_still_written():
    generated = build(inventory_from_data([good(0, ports=None)], "x").nodes)
    assert generated.config.devices[0].host_mac is None
    assert "puppet-tripleo matches fence devices" in str(generated.warnings[0])


MUTATIONS = [None, True, False, 0, -1, 1.5, 70000, "", " ", "x" * 300, [], [None], {},
             {"a": {"b": []}}, "52:54:00:00:00:01", "fd00::1", "\u00e9\u4e2d", "\x00", "a\nb"]
FIELDS = ["name", "pm_type", "pm_addr", "pm_user", "pm_password", "pm_port", "pm_system_id",
          "redfish_verify_ca", "pm_vm_name", "ports", "mac", "capabilities", "driver_info",
          "properties"]


def test_fuzzed_inventories_end_in_a_result_or_input_error():
    """Wrong types everywhere: a Generated or an InputError, never another exception."""
    rng = random.Random(7)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(600):
        drivers = ["ipmi", "redfish", "idrac", "staging-ovirt", "kubevirt", "irmc"]
        nodes = [good(i, pm_type=rng.choice(drivers)) for i in range(rng.randrange(1, 4))]
        for node in nodes:
            for field in rng.sample(FIELDS, rng.randrange(0, 4)):
                node[field] = copy.deepcopy(rng.choice(MUTATIONS))
            if rng.random() < 0.2:
                port = rng.choice(MUTATIONS)
                node["ports"] = [{"address": port, "pxe_enabled": rng.choice(MUTATIONS)}]
        options = D.Options(levels=rng.choice([("power",), ("kdump", "power"),
                                               ("power", "redfish")]),
                            bmc_protocol=rng.choice(["ipmi", "redfish"]))
        try:
            inventory = inventory_from_data(nodes, "fuzz")
            build(inventory.nodes, options, problems=inventory.problems)
            outcomes["ok"] += 1
        except InputError as exc:
            assert SECRET not in str(exc)
            outcomes["error"] += 1
    assert outcomes["ok"] > 20 and outcomes["error"] > 100


def test_the_same_nic_in_ports_and_the_deprecated_mac_list_is_fine():
    node = good(0, mac=["52-54-00-00-00-01"])
    generated = build(inventory_from_data([node], "x").nodes)
    assert generated.config.devices[0].host_mac == "52:54:00:00:00:01"


def test_plan_roles_select_and_name_the_nodes():
    import os

    from tripleo_instanceha.fencing.generator import generate
    from tripleo_instanceha.paths import EXAMPLE_DIR
    files = {k: os.path.join(EXAMPLE_DIR, v) for k, v in (
        ("nodes", "instackenv.json"), ("roles", "roles_data.yaml"),
        ("params", "instance-ha-params.yaml"))}
    generated = generate(files["nodes"], selection=Selection(roles=("ComputeInstanceHA",)),
                         roles_file=files["roles"], env_files=[files["params"]])
    assert [(e.hostname, e.role, e.compute) for e in generated.entries] == [
        ("overcloud-novacomputeiha-0", "ComputeInstanceHA", True),
        ("overcloud-novacomputeiha-1", "ComputeInstanceHA", True)]
    with pytest.raises(InputError, match="role 'Nope' is not in the roles file"):
        generate(files["nodes"], selection=Selection(roles=("Nope",)),
                 roles_file=files["roles"], env_files=[files["params"]])
    with pytest.raises(InputError, match="environments need the roles file"):
        generate(files["nodes"], env_files=[files["params"]])


def test_ironic_ipmi_settings_of_a_node_win_over_the_options():
    nodes = [good(0, driver_info={"ipmi_priv_level": "OPERATOR", "ipmi_cipher_suite": "17",
                                  "ipmi_protocol_version": "1.5"}), good(1)]
    options = D.Options(ipmi_level="administrator", ipmi_cipher=3)
    first, second = build(inventory_from_data(nodes, "x").nodes, options).config.devices
    assert first.params["privlvl"] == "operator" and first.params["cipher"] == 17
    assert "lanplus" not in first.params
    assert second.params["privlvl"] == "administrator" and second.params["cipher"] == 3
    assert second.params["lanplus"] is True
