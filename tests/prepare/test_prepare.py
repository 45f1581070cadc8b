"""prepare end to end: real THT releases, the real Heat engine, crm_simulate, the console script."""
import json
import os
import stat
import time

import pytest

from tripleo_instanceha import heat_engine, tht
from tripleo_instanceha.cluster.scenarios import SCENARIOS
from tripleo_instanceha.prepare import command
from tripleo_instanceha.tht import tools as tht_tools

from tests.prepare.conftest import RELEASES, listing


def prepare(run, nodes, out, *extra, release="18.0.0"):
    return run("prepare", "--tht-release", release, "--nodes", nodes, "--output-dir", out,
               "--format", "json", *extra)


@pytest.mark.parametrize("release,count", [(r, c) for c in (5, 50, 500) for r in RELEASES]
                         + [("11.6.0", 5), ("8.4.1", 5)])
def test_prepare_scales_and_the_deploy_command_composes(run, write_inventory, tmp_path,
                                                        release, count):
    nodes = write_inventory(count)
    out = str(tmp_path / "out")
    started = time.monotonic()
    # Heat is run once below on the printed command (prepare's own run is covered by the demo).
    code, stdout, stderr = prepare(run, nodes, out, "--skip-heat-check", release=release)
    elapsed = time.monotonic() - started
    assert code == 0, stdout + stderr
    report = json.loads(stdout)
    assert report["roles"] == {"Controller": 3, "ComputeInstanceHA": count - 3}
    assert len(report["fenced_nodes"]) == count
    assert report["rehearsal"]["verdict"] == "pass"
    assert [s["name"] for s in report["rehearsal"]["scenarios"]] == [
        "steady-state", *SCENARIOS]
    assert report["budget"]
    argv = report["deploy_command"]
    files = command.env_files_of(argv)
    assert all(os.path.isfile(path) for path in files), files
    assert stat.S_IMODE(os.stat(os.path.join(out, "fencing.yaml")).st_mode) == 0o600
    assert "secret-bmc-pw" not in stdout + stderr
    roles_file = argv[argv.index("-r") + 1]
    tree, _reused = tht_tools.rendered_tree(argv[argv.index("--templates") + 1], roles_file)
    envs = [path for path in files if path != roles_file]
    started = time.monotonic()
    errors = heat_engine.validate_overcloud(tree, envs)
    print(f"\n{release} {count} nodes: prepare {elapsed:.1f}s, "
          f"heat {time.monotonic() - started:.1f}s")
    assert errors == [], errors


def test_second_run_changes_nothing_and_edits_are_refused(run, write_inventory, tmp_path):
    nodes = write_inventory(6, plain=1)
    out = str(tmp_path / "out")
    assert prepare(run, nodes, out, "--skip-heat-check")[0] == 0
    before = listing(out)
    code, stdout, _ = prepare(run, nodes, out, "--skip-heat-check")
    assert code == 0 and json.loads(stdout)["written"] == []
    assert listing(out) == before
    params = os.path.join(out, "instance-ha-parameters.yaml")
    with open(params, "a", encoding="utf-8") as handle:
        handle.write("  # my note\n")
    edited = listing(out)
    code, stdout, stderr = prepare(run, nodes, out, "--skip-heat-check",
                                   "--set", "InstanceHAEvacuateDelay=30")
    assert code == 2
    assert "instance-ha-parameters.yaml: was edited" in stderr and "--force" in stderr
    assert listing(out) == edited
    code, stdout, _ = prepare(run, nodes, out, "--skip-heat-check", "--force",
                              "--set", "InstanceHAEvacuateDelay=30")
    assert code == 0 and json.loads(stdout)["written"] == ["instance-ha-parameters.yaml"]
    with open(params, encoding="utf-8") as handle:
        assert "InstanceHAEvacuateDelay: 30\n" in handle.read()


def test_given_roles_file_gets_the_instance_ha_services(run, write_inventory, tmp_path, tht18):
    out = str(tmp_path / "out")
    code, stdout, stderr = prepare(run, write_inventory(5), out, "--skip-heat-check", "-r",
                                   os.path.join(tht18, "roles_data.yaml"))
    assert code == 0, stderr
    report = json.loads(stdout)
    assert "added ComputeInstanceHA to role Compute" in report["roles_changes"]
    assert report["roles"]["Compute"] == 2 and report["roles"]["Controller"] == 3
    with open(os.path.join(out, "roles_data.yaml"), encoding="utf-8") as handle:
        assert "OS::TripleO::Services::PacemakerRemote" in handle.read()


def _bad_inputs(tmp_path, write_inventory, tht18):
    no_compute = write_inventory(3, name="controllers.json")
    roles = tmp_path / "roles.yaml"
    roles.write_text("- name: Compute\n  ServicesDefault:\n"
                     "    - OS::TripleO::Services::NovaCompute\n")
    broken = tmp_path / "broken-registry.yaml"
    broken.write_text("resource_registry:\n  OS::TripleO::Services::Kernel: ./missing.yaml\n")
    negative = tmp_path / "negative-delay.yaml"
    negative.write_text("parameter_defaults:\n  InstanceHAEvacuateDelay: -30\n")
    return {
        "tunable out of range": (["--nodes", write_inventory(5), "-e", str(negative)], 2,
                                 f"{negative}: InstanceHAEvacuateDelay -30 is below the "
                                 "accepted range"),
        "missing inventory": (["--nodes", str(tmp_path / "nope.json")], 2, "no such file"),
        "no compute profile": (["--nodes", no_compute], 2, "no node has a compute profile"),
        "no pacemaker role": (["--nodes", write_inventory(5), "-r", str(roles)], 2,
                              "no role runs OS::TripleO::Services::Pacemaker"),
        "heat refuses": (["--nodes", write_inventory(5), "-e", str(broken)], 1, "missing.yaml"),
    }


@pytest.mark.parametrize("case", ["missing inventory", "no compute profile", "tunable out of range",
                                  "no pacemaker role", "heat refuses"])
def test_bad_input_fails_clearly_and_writes_nothing(run, write_inventory, tmp_path, tht18, case):
    argv, expected_code, expected = _bad_inputs(tmp_path, write_inventory, tht18)[case]
    out = tmp_path / "out"
    code, stdout, stderr = run("prepare", "--templates", tht18, "--output-dir", str(out), *argv)
    assert code == expected_code, stdout + stderr
    assert expected in stdout + stderr
    assert "Traceback" not in stdout + stderr
    if expected_code == 2:
        assert len(stderr.strip().splitlines()) == 1, stderr
    assert not out.exists()


def test_older_release_is_fetched_by_name():
    assert tht.fetch("wallaby").endswith("tripleo-heat-templates-14.3.0")


def test_plain_computes_get_no_fencing_whatever_the_order(run, tmp_path, tht18):
    """A plain compute listed first, and roles with ComputeInstanceHA before Compute."""
    import yaml

    from tests.prepare.conftest import inventory
    from tripleo_instanceha.paths import EXAMPLE_DIR
    nodes = inventory(6, plain=1)["nodes"]
    nodes = nodes[:3] + nodes[5:] + nodes[3:5]
    inv = tmp_path / "mixed.json"
    inv.write_text(json.dumps({"nodes": nodes}))
    with open(os.path.join(EXAMPLE_DIR, "roles_data.yaml"), encoding="utf-8") as handle:
        roles = yaml.safe_load(handle)
    by_name = {r["name"]: r for r in roles}
    reordered = tmp_path / "roles.yaml"
    reordered.write_text(yaml.safe_dump([by_name["Controller"], by_name["ComputeInstanceHA"],
                                         by_name["Compute"]], sort_keys=False))
    out = str(tmp_path / "out")
    code, stdout, stderr = run("prepare", "--templates", tht18, "--nodes", str(inv), "-r",
                               str(reordered), "--output-dir", out, "--skip-heat-check",
                               "--format", "json")
    assert code == 0, stdout + stderr
    assert json.loads(stdout)["roles"] == {"Controller": 3, "ComputeInstanceHA": 2, "Compute": 1}
    with open(os.path.join(out, "fencing.yaml"), encoding="utf-8") as handle:
        fencing = yaml.safe_load(handle)["parameter_defaults"]["FencingConfig"]["devices"]
    macs = {device["host_mac"] for device in fencing}
    assert nodes[3]["ports"][0]["address"] not in macs
    assert {n["ports"][0]["address"] for n in nodes if n is not nodes[3]} == macs
