"""The command through the real console script and the real `openstack` plugin."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml

from tripleo_instanceha.paths import EXAMPLE_DIR
from tripleo_instanceha.plan.fencing_config import FencingConfig

BIN = os.path.dirname(sys.executable)
TOOL = os.path.join(BIN, "tripleo-instanceha")
OSC = os.path.join(BIN, "openstack")
EXAMPLE = os.path.join(EXAMPLE_DIR, "instackenv.json")
ROLES = os.path.join(EXAMPLE_DIR, "roles_data.yaml")
PARAMS = os.path.join(EXAMPLE_DIR, "instance-ha-params.yaml")
PASSWORDS = ("example-bmc-password", "example-redfish-password")


def run(*args, cwd=None, tool=TOOL):
    return subprocess.run([tool, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_generates_a_0600_environment_and_masks_passwords(tmp_path):
    out = tmp_path / "fencing.yaml"
    result = run("fencing", "generate", EXAMPLE, "-o", str(out), "--delay", "10",
                 "--ipmi-level", "operator")
    assert result.returncode == 0, result.stderr
    assert mode(out) == 0o600
    env = yaml.safe_load(out.read_text())
    assert env["parameter_defaults"]["EnableFencing"] is True
    config = FencingConfig.from_heat(env["parameter_defaults"]["FencingConfig"])
    assert len(config.devices) == 6
    assert all(d.params.get("delay") == 10 for d in config.devices)
    assert any(p in out.read_text() for p in PASSWORDS)
    for text in (result.stdout, result.stderr):
        assert not any(p in text for p in PASSWORDS)
    assert "wrote" in result.stdout and "Traceback" not in result.stderr


def test_default_output_is_fencing_yaml_in_the_current_directory(tmp_path):
    result = run("fencing", "generate", EXAMPLE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "fencing.yaml") == 0o600


def test_stdout_only_when_asked(tmp_path):
    result = run("fencing", "generate", EXAMPLE, "-o", "-", cwd=tmp_path)
    assert result.returncode == 0
    assert yaml.safe_load(result.stdout)["parameter_defaults"]["EnableFencing"] is True
    assert os.listdir(tmp_path) == []


def test_json_report_masks_passwords(tmp_path):
    result = run("fencing", "generate", EXAMPLE, "-o", str(tmp_path / "f.yaml"), "-f", "json")
    report = json.loads(result.stdout)
    params = report["nodes"][0]["devices"][0]["params"]
    assert params["passwd"] == "********"
    assert not any(p in result.stdout for p in PASSWORDS)


def test_plan_selects_cluster_nodes_levels_and_infra_operator_export(tmp_path):
    out, infra = tmp_path / "fencing.yaml", tmp_path / "ihafencing.yaml"
    result = run("fencing", "generate", EXAMPLE, "-o", str(out), "-r", ROLES, "-e", PARAMS,
                 "--levels", "kdump,power", "--infra-operator", str(infra))
    assert result.returncode == 0, result.stderr
    devices = yaml.safe_load(out.read_text())["parameter_defaults"]["FencingConfig"]["devices"]
    assert sorted(devices) == ["level1", "level2"]
    assert {d["agent"] for d in devices["level1"]} == {"fence_kdump"}
    assert len(devices["level2"]) == 5  # the plain Compute node is not in the cluster
    assert "skipped compute-0: lands in role Compute" in result.stdout
    exported = yaml.safe_load(infra.read_text())["FencingConfig"]
    assert mode(infra) == 0o600
    assert sorted(exported) == ["overcloud-novacomputeiha-0", "overcloud-novacomputeiha-1"]
    assert exported["overcloud-novacomputeiha-1"]["agent"] == "redfish"
    assert exported["overcloud-novacomputeiha-0"]["ipport"] == "623"


BROKEN = {
    "empty.json": "",
    "bad.json": '{"nodes": [{"name": "a",}]}',
    "latin1.yaml": "nodes:\n  - name: caf\xe9\n".encode("latin-1"),
    "bomb.yaml": "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    + "nodes: [*i]\n",
    "types.json": json.dumps({"nodes": [{"name": "n", "pm_type": "ipmi", "pm_addr": ["x"],
                                         "pm_user": 1, "pm_password": "Hidden-Pw-9",
                                         "pm_port": "six"}]}),
    "fake.csv": "fake-hardware,192.0.2.1,u,Hidden-Pw-9,52:54:00:00:00:01\n",
    "nodes.yaml": "nodes: 5\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_inventories_exit_2_with_a_message_and_write_nothing(tmp_path, name):
    content = BROKEN[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "fencing.yaml"
    result = run("fencing", "generate", str(path), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and name in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Hidden-Pw-9" not in result.stderr + result.stdout
    assert not out.exists()
    if name == "bomb.yaml":
        assert "aliases" in result.stderr


def test_failure_leaves_an_existing_output_untouched(tmp_path):
    out = tmp_path / "fencing.yaml"
    out.write_text("previous\n")
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert run("fencing", "generate", str(bad), "-o", str(out)).returncode == 2
    assert out.read_text() == "previous\n"


def test_usage_errors_exit_2(tmp_path):
    result = run("fencing", "generate", EXAMPLE, "--delay", "soon", "-o", str(tmp_path / "f"))
    assert result.returncode == 2
    result = run("fencing", "generate", EXAMPLE, "--ipmi-level", "root", "-o",
                 str(tmp_path / "f"))
    assert result.returncode == 2 and "--ipmi-level" in result.stderr
    assert not (tmp_path / "f").exists()


def test_openstack_plugin_shares_the_implementation(tmp_path):
    out = tmp_path / "fencing.yaml"
    result = run("overcloud", "instance-ha", "fencing", "generate", EXAMPLE, "-o", str(out),
                 "--ipmi-no-lanplus", tool=OSC)
    assert result.returncode == 0, result.stderr
    assert mode(out) == 0o600
    devices = yaml.safe_load(out.read_text())["parameter_defaults"]["FencingConfig"]["devices"]
    assert all("lanplus" not in d["params"] for d in devices)
    bad = tmp_path / "bad.json"
    bad.write_text('{"nodes": [{"pm_type": "wol"}]}')
    result = run("overcloud", "instance-ha", "fencing", "generate", str(bad), "-o",
                 str(tmp_path / "x.yaml"), tool=OSC)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "node #0: pm_type: driver 'wol'" in result.stderr


@pytest.mark.parametrize("target, expected", [
    ("dir", "is a directory"), ("missing/f.yaml", "its directory does not exist"),
    ("inv.json", "is the inventory itself"),
])
def test_unusable_outputs_are_refused(tmp_path, target, expected):
    (tmp_path / "dir").mkdir()
    inventory = tmp_path / "inv.json"
    inventory.write_text(open(EXAMPLE).read())
    result = run("fencing", "generate", str(inventory), "-o", str(tmp_path / target))
    assert result.returncode == 2 and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(inventory.read_text())["nodes"]


def test_control_characters_in_names_are_escaped(tmp_path):
    inventory = tmp_path / "inv.json"
    inventory.write_text(json.dumps([{"name": "bad\u001b[31mname\ud800", "pm_type": "fake"}]))
    result = run("fencing", "generate", str(inventory), "-o", str(tmp_path / "f.yaml"))
    assert result.returncode == 2 and "\\x1b" in result.stderr
    assert "\x1b" not in result.stderr and "Traceback" not in result.stderr


def test_large_inventories_get_a_summary_and_capped_warnings(tmp_path):
    from tests.fencing import corpus
    nodes = corpus.inventory(3, 80)
    for node in nodes:
        node["pm_password"] = 'needs"quote'
    inventory = tmp_path / "big.json"
    inventory.write_text(json.dumps(nodes))
    result = run("fencing", "generate", str(inventory), "-o", str(tmp_path / "f.yaml"))
    assert result.returncode == 0, result.stderr
    assert "80 fence device(s) for 80 node(s)" in result.stdout
    assert "  level 1:" in result.stdout and len(result.stdout.splitlines()) < 10
    warnings = result.stderr.splitlines()
    assert len(warnings) == 21 and "more warnings (-f json lists them all)" in warnings[-1]
    assert 'needs"quote' not in result.stderr
