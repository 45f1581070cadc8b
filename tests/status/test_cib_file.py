"""`status --cib FILE`: the verdict on saved CIBs of the example cluster in known states."""
import json
import os
import shutil

import pytest

from tripleo_instanceha.cluster.model import (EVACUATE_IHA, FENCE_NOVA, NOVA_EVACUATE,
                                              STOCK_EVACUATE_FIRST, STOCK_EVACUATE_OFF)

from .conftest import COMPUTES, on_file, run_status, settled, simulate

FAILED_COMPUTE = COMPUTES[1]
MARK = "tripleo-instanceha-maintenance"


def report(cib, *extra):
    code, out, err = run_status(["--cib", cib, "--format", "json", *extra])
    assert code in (0, 1), err
    return code, json.loads(out)


def failing(data):
    return sorted({(r["rule"], r["subject"]) for r in data["reasons"]})


def compute(data, name):
    return next(c for c in data["computes"] if c["name"] == name)


def _host_of(cib, rid):
    code, data = report(cib)
    device = next((d for d in data["stonith_devices"] if d["id"] == rid), None)
    if device is not None:
        return device["nodes"][0]
    return compute(data, rid)["connection_on"][0]


def test_healthy_example_is_protected(healthy):
    code, out, err = run_status(["--cib", healthy])
    assert code == 0, out + err
    assert out.rstrip().endswith("Verdict: PROTECTED")
    code, data = report(healthy)
    assert data["verdict"] == "protected" and data["reasons"] == []
    status = {r["id"]: r["status"] for r in data["rules"]}
    # a saved CIB cannot show the private evacuate attributes nor the fencer's history
    assert status.pop("evacuations") == status.pop("fencing-history") == "not checked"
    assert set(status.values()) == {"pass"}, status
    reason = next(r["reason"] for r in data["rules"] if r["id"] == "evacuations")
    assert "private attrd values" in reason and "never written to the CIB" in reason
    assert [c["name"] for c in data["computes"]] == COMPUTES
    for c in data["computes"]:
        assert c["remote"] == "online" and c["fencing_topology_complete"], c
        assert c["unfence_trigger_running"] and c["maintenance"] is None, c
    assert len(data["nova_evacuate"]["running_on"]) == 1
    assert data["nova"] == {"checked": False, "reason": data["nova"]["reason"]}
    assert "pass --os-cloud CLOUD" in data["nova"]["reason"]
    assert data["evacuate_attributes"] is None


def test_failed_compute_is_unclean_until_fenced_then_offline(healthy, tmp_path):
    host = _host_of(healthy, FAILED_COMPUTE)
    lost = simulate(healthy, str(tmp_path / "lost.xml"),
                    [f"{FAILED_COMPUTE}_monitor_10000@{host}=7"])
    code, data = report(lost)
    assert code == 1 and data["verdict"] == "degraded"
    assert failing(data) == [("compute-online", FAILED_COMPUTE)]
    assert compute(data, FAILED_COMPUTE)["remote"] == "unclean"
    assert "UNCLEAN" in data["reasons"][0]["finding"]
    # the controller records the fencing on the node's state; then it is just offline
    import xml.etree.ElementTree as ET
    tree = ET.parse(lost)
    for state in tree.getroot().iter("node_state"):
        if state.get("uname") == FAILED_COMPUTE:
            state.set("node_fenced", "1")
    fenced = str(tmp_path / "fenced.xml")
    tree.write(fenced)
    code, data = report(fenced)
    assert code == 1 and failing(data) == [("compute-online", FAILED_COMPUTE)]
    assert compute(data, FAILED_COMPUTE)["remote"] == "offline"
    assert "pacemaker_remote" in data["reasons"][0]["fix"]


def test_stonith_monitor_failing_names_the_bmc_password(healthy, tmp_path):
    _, data = report(healthy)
    device = next(d for d in data["stonith_devices"] if d["agent"] == "fence_ipmilan")
    cib = simulate(healthy, str(tmp_path / "monitor.xml"),
                   [f"{device['id']}_monitor_60000@{device['nodes'][0]}=1"], execute=False)
    code, data = report(cib)
    assert code == 1 and failing(data) == [("stonith-devices", device["id"])]
    reason = data["reasons"][0]
    assert "monitor on " in reason["finding"] and "FAILED" in reason["finding"]
    assert "BMC password" in reason["fix"] and f"pcs stonith cleanup {device['id']}" \
        in reason["fix"]
    code, out, _ = run_status(["--cib", cib])
    assert "[stonith-devices] " + device["id"] in out and "Verdict: DEGRADED" in out


def test_nova_evacuate_stopped(tmp_path):
    def disable(model):
        model.primitive(EVACUATE_IHA).meta["target-role"] = "Stopped"

    cib = settled(str(tmp_path), disable)
    code, data = report(cib)
    assert code == 1 and failing(data) == [("nova-evacuate", EVACUATE_IHA)]
    assert data["nova_evacuate"] == {"agent": EVACUATE_IHA, "running_on": []}
    assert f"pcs resource enable {EVACUATE_IHA}" in data["reasons"][0]["fix"]


def test_ours_runs_and_puppets_nova_evacuate_is_held_stopped(tmp_path):
    """What the lifecycle tasks deploy passes: ours started, the stock agent stopped by us."""
    cib = settled(str(tmp_path))
    code, data = report(cib)
    assert code == 0, data["reasons"]
    assert data["nova_evacuate"]["agent"] == EVACUATE_IHA
    assert len(data["nova_evacuate"]["running_on"]) == 1


def test_puppets_nova_evacuate_running_beside_ours(tmp_path):
    def unhold(model):
        model.locations = [loc for loc in model.locations if loc.id != STOCK_EVACUATE_OFF]
        model.orders = []

    cib = settled(str(tmp_path), unhold)
    code, data = report(cib)
    assert code == 1 and failing(data) == [("nova-evacuate", NOVA_EVACUATE)]
    assert "beside nova-evacuate-iha" in data["reasons"][0]["finding"]
    assert STOCK_EVACUATE_OFF in data["reasons"][0]["fix"]


def test_puppets_nova_evacuate_stopped_but_not_held(tmp_path):
    """Stopped now (by an operator, say) but nothing of ours keeps it so."""
    def unhold(model):
        model.locations = [loc for loc in model.locations if loc.id != STOCK_EVACUATE_OFF]
        model.orders = []
        model.primitive(NOVA_EVACUATE).meta["target-role"] = "Stopped"

    cib = settled(str(tmp_path), unhold)
    code, data = report(cib)
    assert code == 1 and failing(data) == [("nova-evacuate", NOVA_EVACUATE)]
    finding = data["reasons"][0]["finding"]
    assert STOCK_EVACUATE_OFF in finding and STOCK_EVACUATE_FIRST in finding


def test_topology_missing_fence_nova(tmp_path):
    def drop(model):
        for level in model.levels_for(FAILED_COMPUTE):
            level.devices.remove(FENCE_NOVA)

    cib = settled(str(tmp_path), drop)
    code, data = report(cib)
    assert code == 1 and failing(data) == [("fencing-topology", FAILED_COMPUTE)]
    assert f"lacks {FENCE_NOVA}" in data["reasons"][0]["finding"]
    assert not compute(data, FAILED_COMPUTE)["fencing_topology_complete"]
    assert compute(data, COMPUTES[0])["fencing_topology_complete"]


def _maintenance(healthy, tmp_path, ours):
    cib = str(tmp_path / "maintenance.xml")
    shutil.copy(healthy, cib)
    # the very commands of deployment/pacemaker/compute-instanceha-lifecycle.yaml
    if ours:
        on_file(cib, ["crm_attribute", "--node", FAILED_COMPUTE, "--name", MARK,
                      "--update", "true"])
    on_file(cib, ["crm_resource", "--resource", FAILED_COMPUTE, "--meta", "--set-parameter",
                  "maintenance", "--parameter-value", "true"])
    return report(cib)


def test_maintenance_held_by_the_update_tasks(healthy, tmp_path):
    code, data = _maintenance(healthy, tmp_path, ours=True)
    assert code == 1 and failing(data) == [("compute-maintenance", FAILED_COMPUTE)]
    assert compute(data, FAILED_COMPUTE)["maintenance"] == "ours"
    assert "update/upgrade tasks" in data["reasons"][0]["finding"]
    assert "openstack overcloud update run --limit" in data["reasons"][0]["fix"]


def test_maintenance_set_by_an_operator(healthy, tmp_path):
    code, data = _maintenance(healthy, tmp_path, ours=False)
    assert code == 1 and failing(data) == [("compute-maintenance", FAILED_COMPUTE)]
    assert compute(data, FAILED_COMPUTE)["maintenance"] == "operator"
    assert "set by an operator" in data["reasons"][0]["finding"]
    assert "maintenance=false" in data["reasons"][0]["fix"]


def _bad_inputs(tmp_path, healthy_config):
    not_xml = tmp_path / "not.xml"
    not_xml.write_text("this is pcs status output, not XML\n")
    other = tmp_path / "other.xml"
    other.write_text("<pacemaker-result/>\n")
    config_only = tmp_path / "config.xml"
    config_only.write_text(healthy_config)
    return {"not XML": (str(not_xml), "is not XML"),
            "missing": (str(tmp_path / "missing.xml"), "no such file"),
            "a directory": (str(tmp_path), "is a directory"),
            "not a CIB": (str(other), "is XML but not a CIB"),
            "configuration only": (str(config_only), "has no node in its <status> section")}


@pytest.mark.parametrize("case", ["not XML", "missing", "a directory", "not a CIB",
                                  "configuration only"])
def test_bad_cib_is_one_line_and_exit_2(tmp_path, case):
    from .conftest import example_model
    path, message = _bad_inputs(tmp_path, example_model(str(tmp_path / "m")).to_xml())[case]
    code, out, err = run_status(["--cib", path])
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ") and message in lines[0]
    assert "Traceback" not in out + err and out == ""


def test_the_cib_copy_given_to_crm_mon_is_removed(healthy, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert run_status(["--cib", healthy])[0] == 0
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("line, rule, holder", [
    # pcs node maintenance X: the node attribute, no lifecycle mark
    (["crm_attribute", "--node", FAILED_COMPUTE, "--name", "maintenance", "--update", "true"],
     "compute-maintenance", "operator"),
    # pcs resource unmanage X
    (["crm_resource", "--resource", FAILED_COMPUTE, "--meta", "--set-parameter", "is-managed",
      "--parameter-value", "false"], "compute-maintenance", "operator"),
    # pcs node standby X
    (["crm_attribute", "--node", FAILED_COMPUTE, "--name", "standby", "--update", "on"],
     "compute-maintenance", None),
])
def test_other_ways_a_compute_is_left_unprotected(healthy, tmp_path, line, rule, holder):
    cib = str(tmp_path / "cib.xml")
    shutil.copy(healthy, cib)
    on_file(cib, line)
    code, data = report(cib)
    assert code == 1 and (rule, FAILED_COMPUTE) in failing(data), data["reasons"]
    assert compute(data, FAILED_COMPUTE)["maintenance"] == holder


@pytest.mark.parametrize("name, value, rule", [
    ("stonith-enabled", "false", "stonith-enabled"),
    ("maintenance-mode", "true", "cluster-maintenance"),
])
def test_cluster_properties(healthy, tmp_path, name, value, rule):
    cib = str(tmp_path / "cib.xml")
    shutil.copy(healthy, cib)
    on_file(cib, ["crm_attribute", "--type", "crm_config", "--name", name, "--update", value])
    code, data = report(cib)
    assert code == 1 and (rule, "cluster") in failing(data), data["reasons"]


def test_no_quorum(healthy, tmp_path):
    cib = tmp_path / "cib.xml"
    cib.write_text(open(healthy).read().replace('have-quorum="1"', 'have-quorum="0"', 1))
    code, data = report(str(cib))
    assert code == 1 and ("quorum", "cluster") in failing(data)


def test_instance_ha_not_configured(healthy, tmp_path):
    cib = str(tmp_path / "cib.xml")
    shutil.copy(healthy, cib)
    for element in (f'<rsc_location id="location-{NOVA_EVACUATE}"/>',  # its constraints first
                    f'<rsc_location id="{STOCK_EVACUATE_OFF}"/>',
                    f'<rsc_order id="{STOCK_EVACUATE_FIRST}"/>',
                    f'<primitive id="{NOVA_EVACUATE}"/>'):
        on_file(cib, ["cibadmin", "--delete", "--xml-text", element])
    code, data = report(cib)
    assert code == 1 and failing(data) == [("instance-ha-configured", "cluster")]
    assert NOVA_EVACUATE in data["reasons"][0]["finding"]


def test_healthy_shows_the_unfenced_marker(healthy):
    _, data = report(healthy)
    assert all(c["node_unfenced"] for c in data["computes"]), data["computes"]


def test_cib_from_a_pipe(healthy, tmp_path):
    """``ssh controller cibadmin --query | status --cib /dev/stdin``: crm_mon gets a copy."""
    import threading
    # a pipe whose writer exists before the command opens it, as a shell's pipe does
    # (a FIFO fed by a thread raced the command's "no writer" check)
    read_end, write_end = os.pipe()
    data = open(healthy, "rb").read()

    def feed():
        with os.fdopen(write_end, "wb") as handle:
            handle.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        code, out, err = run_status(["--cib", f"/dev/fd/{read_end}"])
    finally:
        writer.join(timeout=30)
        os.close(read_end)
    assert code == 0 and out.rstrip().endswith("Verdict: PROTECTED"), out + err
