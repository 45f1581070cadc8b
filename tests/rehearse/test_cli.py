"""`tripleo-instanceha rehearse` end to end: exit codes, report, kept files, no secrets."""
import json
import os
import stat
import subprocess
import sys

from tripleo_instanceha.cli.app import main
from tripleo_instanceha.cluster import simulate

from .conftest import NODES, PARAMS, ROLES, fencing_env

PROGRAM = os.path.join(os.path.dirname(sys.executable), "tripleo-instanceha")
SECRETS = ("example-bmc-password", "example-redfish-password")


def rehearse(*args):
    return subprocess.run([PROGRAM, "rehearse", *args], capture_output=True, text=True)


def test_example_passes_and_keeps_cib_and_graphs_private(tmp_path):
    out = tmp_path / "out"
    run = rehearse("--example", "--output-dir", str(out), "--format", "json")
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["verdict"] == "pass"
    assert [s["verdict"] for s in report["scenarios"]] == ["pass"] * 7
    assert report["budget"]["to_first_evacuate_s"]["worst"] > 0
    cib = out / "cib.xml"
    assert "example-bmc-password" in cib.read_text()  # the real CIB holds it ...
    for path in out.iterdir():  # ... so does every graph: all private
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert any(p.name.endswith(".graph.xml") for p in out.iterdir())
    assert not any(s in run.stdout + run.stderr for s in SECRETS)


def test_text_report_for_one_failing_node(tmp_path):
    fencing = fencing_env(tmp_path)
    run = rehearse("-r", ROLES, "-e", PARAMS, "-e", fencing, "--nodes", NODES,
                   "--fail", "compute-iha-1")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS compute-crash: one Instance HA compute crashes [overcloud-novacomputeiha-1]" \
        in run.stdout
    assert "fence (reboot) overcloud-novacomputeiha-1" in run.stdout
    assert "PASS compute-returns" in run.stdout and "two-computes" not in run.stdout
    assert "failure -> first evacuate call:" in run.stdout
    assert not any(s in run.stdout for s in SECRETS)


def test_broken_plan_exits_1_naming_the_node(tmp_path):
    # the generator leaves compute-iha-1 out: no device can fence it
    fencing = fencing_env(tmp_path, exclude=["compute-iha-1"])
    run = rehearse("-r", ROLES, "-e", PARAMS, "-e", fencing, "--nodes", NODES,
                   "--scenario", "two-computes-crash", "--format", "json")
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["verdict"] == "fail"
    causes = [f for f in report["coverage"] if f["severity"] == "error"]
    assert causes and causes[0]["node"] == "overcloud-novacomputeiha-1"
    assert "no stonith device" in causes[0]["message"]


def test_unknown_node_is_a_usage_error(tmp_path):
    run = rehearse("--example", "--fail", "overcloud-novacompute-0")
    assert run.returncode == 2
    assert "not a node of the cluster" in run.stderr and "Traceback" not in run.stderr


def test_missing_crm_simulate_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(simulate, "SBIN_DIRS", "")
    assert main(["rehearse", "--example"]) == 2
    err = capsys.readouterr().err
    assert "crm_simulate" in err and "pacemaker-cli-utils" in err


def test_bad_input_file_is_named(tmp_path):
    broken = tmp_path / "env.yaml"
    broken.write_text("parameter_defaults: [unclosed\n")
    run = rehearse("-r", ROLES, "-e", str(broken), "--nodes", NODES)
    assert run.returncode == 2
    assert str(broken) in run.stderr and "Traceback" not in run.stderr
