"""Inventory messages quote what was written, and never echo a huge value whole."""
from __future__ import annotations

import copy
import json

import pytest

from tripleo_instanceha.errors import InputError, shorten
from tripleo_instanceha.fencing.generator import Selection, build
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.inventory import inventory_from_data, read_inventory
from tripleo_instanceha.prepare import profiles

HUGE = "n" * 20000
NODE = {"name": "node-0", "pm_type": "ipmi", "pm_addr": "192.0.2.1", "pm_user": "admin",
        "pm_password": "Pw-Secret-55", "ports": [{"address": "52:54:00:00:00:01"}]}


def problems_text(nodes) -> str:
    inventory = inventory_from_data(copy.deepcopy(nodes), "inv.json")
    with pytest.raises(InputError) as err:
        build(inventory.nodes, D.Options(), Selection(), source="inv.json",
              problems=inventory.problems)
    return str(err.value)


def test_shorten_says_how_long_the_value_really_is():
    assert shorten("abc") == "abc"
    assert shorten(HUGE) == "n" * 60 + "... (20000 characters)"
    assert shorten(12345, limit=3) == "123... (5 characters)"


@pytest.mark.parametrize("value, shown", [("abc", "'abc'"), (6.5, "'6.5'"), (623.0, "'623.0'"),
                                          ("", "''"), (0, "'0'"), (70000, "'70000'")])
def test_port_errors_quote_the_value(value, shown):
    text = problems_text([dict(NODE, pm_port=value)])
    assert f"pm_port: {shown} is not an integer 1-65535" in text


def test_a_port_of_the_wrong_type_is_named_by_its_type():
    assert "pm_port: a list is not an integer 1-65535" in problems_text([dict(NODE, pm_port=[1])])


def test_a_huge_name_is_cut_in_every_message():
    nodes = [dict(NODE, name=HUGE),
             dict(NODE, name=HUGE, pm_addr="192.0.2.2",
                  ports=[{"address": "52:54:00:00:00:02"}], capabilities="profile:a,profile:b")]
    text = problems_text(nodes)
    assert "(20000 characters)" in text and "also the name of node #0" in text
    assert "capability 'profile' is given twice" in text
    assert all(len(line) < 400 for line in text.splitlines()), max(map(len, text.splitlines()))


def test_a_huge_value_is_cut_too():
    text = problems_text([dict(NODE, pm_addr="a" * 5000 + "!")])
    assert "... (5001 characters)' is not a valid IP address" in text and len(text) < 400


def test_a_huge_duplicate_key_is_cut(tmp_path):
    key = "k" * 10000
    path = tmp_path / "d.json"
    path.write_text('[{"name": "a", "%s": 1, "%s": 2}]' % (key, key))
    [problem] = read_inventory(str(path)).problems
    assert "(10000 characters)" in str(problem) and len(str(problem)) < 400


def test_the_label_of_a_node_is_cut():
    [node] = inventory_from_data([dict(NODE, name=HUGE)], "inv.json").nodes
    assert node.label == shorten(HUGE)
    assert profiles.assign([node], []).notes() == [
        f"1 node(s) without a profile are left out ({shorten(HUGE)})"]


def test_fencing_generate_summary_cuts_the_name(tmp_path, capsys):
    from tripleo_instanceha.cli.app import main
    path = tmp_path / "instackenv.json"
    path.write_text(json.dumps([dict(NODE, name=HUGE)]))
    assert main(["fencing", "generate", str(path), "-o", str(tmp_path / "f.yaml")]) == 0
    out = capsys.readouterr().out
    assert "(20000 characters)" in out and max(map(len, out.splitlines())) < 400


def test_probe_messages_and_table_cut_the_name():
    from tripleo_instanceha.cli.probe import ProbeReport
    from tripleo_instanceha.fencing import probe
    target = probe.Target(HUGE, "fence_ipmilan", {"ipaddr": "192.0.2.1", "bad key": "x"})
    with pytest.raises(InputError) as err:
        probe.check_targets([target])
    assert "(20000 characters)" in str(err.value) and len(str(err.value)) < 400
    result = ProbeReport("inv.json", "inventory", [probe.Outcome(target, probe.ANSWERED[0])],
                         1.0, 1, 10)
    text = result.to_text()
    assert "(20000 characters)" in text and max(map(len, text.splitlines())) < 400
