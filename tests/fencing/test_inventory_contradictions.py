"""Contradictions in an inventory are problems naming file, node and fix, never a silent choice."""
from __future__ import annotations

import json

import pytest

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.inventory import load_inventory, read_inventory

NODE = {"name": "compute-0", "pm_type": "ipmi", "pm_addr": "192.0.2.1", "pm_user": "admin",
        "pm_password": "Pw-Secret-77", "ports": [{"address": "52:54:00:00:00:01"}],
        "capabilities": "profile:compute,boot_option:local"}


def read(tmp_path, **changes):
    node = dict(NODE, **changes)
    for key in [k for k, v in node.items() if v is None]:
        del node[key]
    path = tmp_path / "instackenv.json"
    path.write_text(json.dumps({"nodes": [node]}))
    return read_inventory(str(path))


def only_problem(inventory) -> str:
    assert len(inventory.problems) == 1, [str(p) for p in inventory.problems]
    text = str(inventory.problems[0])
    assert "instackenv.json" in text and "node compute-0 (#0)" in text and "(fix: " in text
    assert "Pw-" not in text
    return text


def test_a_capability_key_given_twice_with_two_values_is_an_error(tmp_path):
    text = only_problem(read(tmp_path, capabilities="profile:compute,profile:control"))
    assert "capabilities" in text and "'profile'" in text
    assert "'compute'" in text and "'control'" in text


def test_the_contradiction_stops_loading(tmp_path):
    path = tmp_path / "n.json"
    path.write_text(json.dumps([dict(NODE, capabilities="profile:compute,profile:control")]))
    with pytest.raises(InputError, match="profile"):
        load_inventory(str(path))


def test_the_same_capability_twice_with_one_value_is_fine(tmp_path):
    assert read(tmp_path, capabilities="profile:compute, profile:compute").problems == []


def test_capabilities_in_two_places_that_disagree(tmp_path):
    text = only_problem(read(tmp_path, properties={"capabilities": "profile:control"}))
    assert "properties.capabilities" in text and "'control'" in text


@pytest.mark.parametrize("pm_type, right", [("IPMI", "ipmi"), ("Redfish", "redfish"),
                                            ("PXE_IPMITOOL", "pxe_ipmitool"), ("iDRAC", "idrac")])
def test_a_driver_name_in_the_wrong_case_is_an_error(tmp_path, pm_type, right):
    text = only_problem(read(tmp_path, pm_type=pm_type))
    assert f"'{pm_type}'" in text and f"pm_type: {right}" in text and "case" in text


def test_pm_type_and_driver_that_disagree(tmp_path):
    text = only_problem(read(tmp_path, driver="redfish"))
    assert "'ipmi'" in text and "'redfish'" in text and "driver" in text


def test_pm_type_and_driver_that_agree_are_fine(tmp_path):
    assert read(tmp_path, driver="pxe_ipmitool").problems == []


def test_an_address_under_two_keys_with_two_values(tmp_path):
    text = only_problem(read(tmp_path, ipmi_address="192.0.2.99"))
    assert "pm_addr" in text and "ipmi_address" in text
    assert "'192.0.2.1'" in text and "'192.0.2.99'" in text


def test_a_password_under_two_keys_is_named_but_never_shown(tmp_path):
    text = only_problem(read(tmp_path, driver_info={"ipmi_password": "Pw-Other-88"}))
    assert "pm_password" in text and "driver_info.ipmi_password" in text


def test_the_same_key_at_the_top_and_in_driver_info(tmp_path):
    text = only_problem(read(tmp_path, pm_type="redfish", pm_addr=None, pm_system_id="/s/1",
                             redfish_address="192.0.2.5",
                             driver_info={"redfish_address": "192.0.2.6"}))
    assert "redfish_address" in text and "driver_info.redfish_address" in text


def test_the_same_value_under_two_keys_is_fine(tmp_path):
    assert read(tmp_path, ipmi_address="192.0.2.1", pm_port=623,
                driver_info={"ipmi_port": "623"}).problems == []


def test_a_mac_list_that_ports_leave_out(tmp_path):
    text = only_problem(read(tmp_path, mac=["52:54:00:00:00:01", "52:54:00:00:00:09"]))
    assert "52:54:00:00:00:09" in text and "ports" in text


def test_a_mac_list_that_repeats_ports_is_fine(tmp_path):
    assert read(tmp_path, mac=["52-54-00-00-00-01"]).problems == []


def test_fencing_generate_refuses_the_contradiction(tmp_path, capsys):
    from tripleo_instanceha.cli.app import main
    path = tmp_path / "instackenv.json"
    path.write_text(json.dumps([dict(NODE, capabilities="profile:compute,profile:control")]))
    out = tmp_path / "fencing.yaml"
    assert main(["fencing", "generate", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "node compute-0 (#0): capabilities: capability 'profile' is given twice" in err
    assert not out.exists()


@pytest.mark.parametrize("name, text, expected", [
    ("n.csv", "Redfish,192.0.2.1,root,pw,52:54:00:aa:00:01\n", "write pm_type: redfish"),
    ("n.yaml", "- name: a\n  pm_type: ipmi\n  capabilities: 'profile:compute,profile:control'\n",
     "capability 'profile' is given twice"),
])
def test_every_format_reports_them(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    [problem] = read_inventory(str(path)).problems
    assert expected in str(problem) and f"{name}:1: node " in str(problem)
