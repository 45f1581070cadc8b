"""Reading inventories in every shape tripleoclient accepts, and refusing broken files."""
from __future__ import annotations

import json

import pytest

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.inventory import yaml_format
from tripleo_instanceha.inventory import (load_inventory, normalise_driver, normalise_mac,
                                          read_inventory)

NODE = {"name": "compute-0", "pm_type": "ipmi", "pm_addr": "192.0.2.1", "pm_user": "admin",
        "pm_password": "s3cret", "ports": [{"address": "52:54:00:00:00:01"}],
        "capabilities": "profile:compute,node:compute-0"}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


@pytest.mark.parametrize("name, text", [
    ("a.json", json.dumps({"nodes": [NODE]})),
    ("b.json", json.dumps([NODE])),
    ("c.yaml", "nodes:\n  - name: compute-0\n    pm_type: ipmi\n    pm_addr: 192.0.2.1\n"
               "    pm_user: admin\n    pm_password: s3cret\n"
               "    ports: [{address: '52:54:00:00:00:01'}]\n"
               "    capabilities: {profile: compute, node: compute-0}\n"),
    ("d.yaml", "- " + json.dumps(NODE)),
    ("e.json", "\ufeff" + json.dumps({"nodes": [NODE]})),
])
def test_json_and_yaml_shapes(tmp_path, name, text):
    [node] = load_inventory(write(tmp_path, name, text))
    assert node.name == "compute-0" and node.driver == "ipmi"
    assert node.bmc == {"address": "192.0.2.1", "username": "admin", "password": "s3cret"}
    assert node.host_mac == "52:54:00:00:00:01"
    assert node.profile == "compute" and node.node_hint == "compute-0"


def test_csv_as_tripleoclient_reads_it(tmp_path):
    path = write(tmp_path, "nodes.csv",
                 "pm_type,pm_addr,pm_user,pm_password,mac,pm_port\n"
                 "pxe_ipmitool,192.0.2.1,admin,\"pa,ss\",52-54-00-AA-00-01,6230\n"
                 "\n"
                 "redfish,192.0.2.2,root,pw,52:54:00:aa:00:02\n")
    first, second = load_inventory(path)
    assert first.driver == "ipmi" and first.bmc["password"] == "pa,ss"
    assert first.bmc["port"] == "6230" and first.host_mac == "52:54:00:aa:00:01"
    assert second.driver == "redfish" and "port" not in second.bmc
    assert first.raw.line == 2 and second.raw.line == 4


def test_csv_short_row_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "nodes.csv", "ipmi,192.0.2.1,admin,pw,52:54:00:aa:00:01\nipmi,x\n")
    with pytest.raises(InputError) as err:
        load_inventory(path)
    assert "nodes.csv:2" in str(err.value) and "needs at least 5" in str(err.value)


def test_driver_info_keys_and_classic_names(tmp_path):
    nodes = [
        {"pm_type": "pxe_drac", "drac_address": "192.0.2.3", "drac_username": "root",
         "drac_password": "calvin", "drac_port": 443},
        {"pm_type": "redfish", "driver_info": {"redfish_address": "https://bmc:8443",
                                               "redfish_username": "u",
                                               "redfish_password": "p",
                                               "redfish_system_id": "/redfish/v1/Systems/1",
                                               "redfish_verify_ca": False}},
        {"pm_type": "staging-ovirt", "ovirt_address": "engine", "ovirt_username": "a",
         "ovirt_password": "b", "ovirt_vm_name": "vm1"},
        {"pm_type": "agent_ilo", "ilo_address": "192.0.2.4", "ilo_username": "u",
         "ilo_password": "p", "mac": ["52:54:00:00:00:04"]},
    ]
    drac, redfish, ovirt, ilo = load_inventory(write(tmp_path, "n.json", json.dumps(nodes)))
    assert drac.driver == "idrac" and drac.bmc == {"address": "192.0.2.3", "port": 443,
                                                   "username": "root", "password": "calvin"}
    assert redfish.bmc["address"] == "https://bmc:8443" and redfish.bmc["verify_ca"] is False
    assert redfish.bmc["system_id"] == "/redfish/v1/Systems/1"
    assert ovirt.bmc["vm_name"] == "vm1" and ovirt.bmc["address"] == "engine"
    assert ilo.driver == "ilo" and ilo.host_mac == "52:54:00:00:00:04"


def test_pxe_enabled_port_is_the_host_mac(tmp_path):
    node = dict(NODE, ports=[{"address": "52:54:00:00:00:01", "pxe_enabled": False},
                             {"address": "52:54:00:00:00:02", "pxe_enabled": True}])
    [loaded] = load_inventory(write(tmp_path, "n.json", json.dumps([node])))
    assert loaded.host_mac == "52:54:00:00:00:02"


@pytest.mark.parametrize("value, expected", [
    ("52:54:00:AA:BB:CC", "52:54:00:aa:bb:cc"), ("52-54-00-aa-bb-cc", "52:54:00:aa:bb:cc"),
    ("5254.00aa.bbcc", "52:54:00:aa:bb:cc"), ("52:54:00:aa:bb", None),
    ("52:54-00:aa:bb:cc", None), ("zz:54:00:aa:bb:cc", None), (525400, None),
])
def test_mac_forms(value, expected):
    assert normalise_mac(value) == expected


@pytest.mark.parametrize("pm_type, driver", [
    ("pxe_ipmitool", "ipmi"), ("agent_ipmitool", "ipmi"), ("ipmitool", "ipmi"),
    ("pxe_drac", "idrac"), ("drac", "idrac"), ("iscsi_ilo", "ilo"), ("pxe_irmc", "irmc"),
    ("IPMI", "ipmi"), ("staging-ovirt", "staging-ovirt"), ("fake-hardware", "fake-hardware"),
])
def test_classic_driver_names(pm_type, driver):
    assert normalise_driver(pm_type) == driver


@pytest.mark.parametrize("name, content, expected", [
    ("e.json", "", "the inventory is empty"),
    ("e.csv", "ipmi,192.0.2.1\n", "row has 2 columns, needs at least 5"),
    ("m.yaml", "- a: 1\n---\n- b: 2\n", "broken YAML"),
    ("t.yaml", "- !!python/object:os.system {}\n", "broken YAML"),
    ("u.json", '"\\ud800"'.encode(), "must be a list"),
    ("e.yaml", "", "the inventory is empty"),
    ("e.yaml", "# only a comment\n", "the inventory is empty"),
    ("n.yaml", "nodes: {}\n", "must be a list"),
    ("n.yaml", "nodes: []\n", "has no nodes"),
    ("n.yaml", "machines: []\n", "no 'nodes' key"),
    ("n.yaml", "42\n", "must be a list"),
    ("n.json", '{"nodes": [', "broken JSON"),
    ("n.yaml", "nodes:\n  - name: a\n   pm_type: ipmi\n", "broken YAML"),
    ("n.json", b"\xff\xfe{}", "not valid UTF-8"),
    ("n.yaml", "a: &a [1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n"
        for i in range(120)), "aliases"),
    ("n.yaml", "[" * 5000 + "]" * 5000, "nested too deeply"),
])
def test_unreadable_files_fail_with_one_clear_message(tmp_path, name, content, expected):
    with pytest.raises(InputError) as err:
        load_inventory(write(tmp_path, name, content))
    assert expected in str(err.value)
    assert "Traceback" not in str(err.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_inventory(str(tmp_path / "missing.json"))
    with pytest.raises(InputError, match="is a directory"):
        load_inventory(str(tmp_path))


def test_duplicate_keys_are_problems_not_silent_overrides(tmp_path):
    yaml_path = write(tmp_path, "d.yaml",
                      "- name: a\n  pm_password: Pw-First-77\n  pm_password: Pw-Second-88\n")
    inventory = read_inventory(yaml_path)
    assert [p.line for p in inventory.problems] == [3]
    assert inventory.problems[0].field == "node a (#0)"
    assert "pm_password" in str(inventory.problems[0])
    assert "Pw-" not in str(inventory.problems[0])
    json_path = write(tmp_path, "d.json", '[{"name": "a", "name": "b"}]')
    assert "appears twice" in str(read_inventory(json_path).problems[0])


def test_wrong_types_never_crash_the_reader(tmp_path):
    nodes = [{"name": ["x"], "pm_type": 5, "pm_addr": {"a": 1}, "ports": "52:54:00:00:00:01",
              "mac": 7, "capabilities": [1], "driver_info": "x", "properties": 3}, "string"]
    inventory = read_inventory(write(tmp_path, "w.json", json.dumps(nodes)))
    assert len(inventory.nodes) == 1 and len(inventory.problems) == 1
    assert inventory.nodes[0].name is None and inventory.nodes[0].ports == []


def test_yaml_keeps_values_yaml_1_1_would_turn_into_numbers(tmp_path):
    path = write(tmp_path, "n.yaml", "- name: a\n  pm_type: ipmi\n  pm_addr: 192.0.2.1\n"
                                     "  pm_user: admin\n  pm_password: 0123\n  pm_port: 623\n"
                                     "  ports: [{address: 52:54:00:12:34:56}]\n"
                                     "  cpu: 1.50\n")
    [node] = load_inventory(path)
    assert node.bmc["password"] == "0123" and node.bmc["port"] == 623
    assert node.host_mac == "52:54:00:12:34:56" and node.raw["cpu"] == "1.50"


def test_merge_keys_on_every_node_are_not_an_alias_bomb(tmp_path):
    text = "defaults: &d {pm_type: ipmi, pm_user: admin, pm_password: x}\nnodes:\n" + "".join(
        f"  - <<: *d\n    name: n{i}\n    pm_addr: 10.0.{i // 256}.{i % 256}\n"
        for i in range(500))
    nodes = load_inventory(write(tmp_path, "m.yaml", text))
    assert len(nodes) == 500 and nodes[499].bmc["username"] == "admin"


def test_json_without_extension_is_read_as_json(tmp_path):
    text = '{\n\t"nodes": [{"name": "a", "pm_type": "ipmi", "pm_password": "t\\u00e9"}]\n}'
    [node] = load_inventory(write(tmp_path, "instackenv", text))
    assert node.bmc["password"] == "t\u00e9"


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize("loader", yaml_format.LOADERS, ids=lambda c: c.__name__)
def test_both_yaml_loaders_apply_the_same_rules(loader):
    """libyaml-backed when PyYAML has it, pure Python otherwise: same answers."""
    data, problems = yaml_format.parse_yaml(
        "d: &d {pm_type: ipmi}\nnodes:\n  - <<: *d\n    name: a\n    pm_password: 0123\n"
        "    mac: [52:54:00:12:34:56]\n    name: b\n", "x.yaml", loader)
    node = data["nodes"][0]
    assert node["pm_type"] == "ipmi" and node["pm_password"] == "0123"
    assert node["mac"] == ["52:54:00:12:34:56"] and node.line == 3
    assert [(p.line, "'name'" in p.message) for p in problems] == [(7, True)]
    for text, expected in ((BOMB, "aliases expand"), ("[" * 3000 + "]" * 3000, "too deeply"),
                           ("a: [1\n", "broken YAML")):
        with pytest.raises(InputError, match=expected):
            yaml_format.parse_yaml(text, "x.yaml", loader)


def test_json_nodes_know_their_line(tmp_path):
    text = ('{\n  "comment": {"nodes": [1]},\n  "nodes": [\n    {"name": "a"},\n\n'
            '    {"name": "b", "note": "}, {"},\n    7,\n    {"name": "c"}\n  ]\n}\n')
    inventory = read_inventory(write(tmp_path, "lines.json", text))
    assert [n.raw.line for n in inventory.nodes] == [4, 6, 8]
    assert "lines.json: node #2" in str(inventory.problems[0])
