"""The lifecycle task lists as each real THT release resolves them, and their wiring.

The Ansible runs (test_deploy, test_rolling) each take one release; this
module shows the four releases resolve the very same task lists, so each run
stands for all four.
"""
import json
import os

import pytest
import yaml

from tripleo_instanceha.plan.fencing_config import POWER_AGENTS

from tests.conftest import ROOT
from tests.lifecycle import harness
from tests.lifecycle.conftest import VERSIONS

# No post update/upgrade tasks: maintenance is left at update/upgrade step 4,
# before the host deploy steps (R1-5), so nothing is left for the post steps.
SECTIONS = ("deploy_steps_tasks", "external_deploy_tasks", "external_post_deploy_tasks",
            "host_prep_tasks", "update_tasks", "upgrade_tasks")
ENABLED_ONLY = ("deploy_steps_tasks", "external_post_deploy_tasks", "update_tasks")


def _params(fencing, enabled):
    return {"EnableInstanceHA": enabled, "EnableFencing": fencing["EnableFencing"],
            "FencingConfig": fencing["FencingConfig"]}


@pytest.mark.parametrize("enabled", [True, False], ids=["enabled", "disabled"])
def test_every_release_resolves_the_same_tasks(lifecycle_outputs, example, enabled):
    _plan, fencing = example
    newest = lifecycle_outputs(VERSIONS[-1], **_params(fencing, enabled))
    assert set(newest) == set(SECTIONS)
    for version in VERSIONS[:-1]:
        assert lifecycle_outputs(version, **_params(fencing, enabled)) == newest, version
    if enabled:
        assert all(newest[s] for s in ENABLED_ONLY + ("external_deploy_tasks", "upgrade_tasks"))
        assert newest["host_prep_tasks"] == []
    else:
        assert all(newest[s] == [] for s in ENABLED_ONLY)
        assert newest["external_deploy_tasks"] and newest["host_prep_tasks"]
        # only Train's corosync.conf fix (test_upstream_tasks)
        assert [t["name"] for t in newest["upgrade_tasks"]] == [
            "Make sure corosync.conf is a file before pacemaker starts (LP#1905033)"]


def test_preflight_gets_only_power_device_macs(lifecycle_outputs, example):
    """Heat hands the tasks the level-1 power MACs, never the BMC credentials."""
    _plan, fencing = example
    outputs = lifecycle_outputs(VERSIONS[-1], **_params(fencing, True))
    preflight = outputs["external_deploy_tasks"][0]["vars"]
    config = fencing["FencingConfig"]
    devices = config["devices"] if isinstance(config["devices"], list) \
        else config["devices"]["level1"]
    expected = sorted({d["host_mac"] for d in devices if d["agent"] in POWER_AGENTS})
    assert sorted(preflight["tripleo_instanceha_power_macs"]) == expected
    text = json.dumps(outputs)
    for device in devices:
        assert str(device["params"]["passwd"]) not in text


def test_levels_and_foreign_agents(lifecycle_outputs):
    """level1 of a leveled config counts; level2 and non-power agents do not."""
    config = {"devices": {
        "level1": [{"agent": "fence_ipmilan", "host_mac": "52:54:00:AA:00:01",
                    "params": {"passwd": "p"}},
                   {"agent": "fence_xvm", "host_mac": "52:54:00:aa:00:02", "params": {}}],
        "level2": [{"agent": "fence_redfish", "host_mac": "52:54:00:aa:00:03",
                    "params": {"passwd": "p"}}]}}
    outputs = lifecycle_outputs(VERSIONS[0], EnableInstanceHA=True, EnableFencing=True,
                                FencingConfig=config)
    macs = outputs["external_deploy_tasks"][0]["vars"]["tripleo_instanceha_power_macs"]
    # exactly as written: puppet-tripleo's has_interface_with compares case-sensitively
    assert macs == ["52:54:00:AA:00:01"]


def test_upgrade_tasks_follow_tht_step_rule(lifecycle_outputs, example):
    """THT's yaml-validate wants ``step|int == N`` first in every upgrade task's when."""
    _plan, fencing = example
    outputs = lifecycle_outputs(VERSIONS[-1], **_params(fencing, True))
    for section in ("upgrade_tasks", "update_tasks"):
        for task in outputs[section]:
            when = task["when"]
            first = when[0] if isinstance(when, list) else when
            assert first.replace(" ", "").startswith("step|int=="), (section, task["name"])


def test_service_copies_every_lifecycle_output():
    """The Instance HA service passes each task list through under the same name."""
    with open(os.path.join(ROOT, harness.SERVICE), encoding="utf-8") as handle:
        service = yaml.safe_load(handle)
    with open(os.path.join(ROOT, harness.LIFECYCLE), encoding="utf-8") as handle:
        lifecycle = yaml.safe_load(handle)
    resource = service["resources"]["InstanceHALifecycle"]
    assert resource["type"] == "./compute-instanceha-lifecycle.yaml"
    assert set(resource.get("properties") or {}) <= set(lifecycle["parameters"])
    role_data = service["outputs"]["role_data"]["value"]
    for name in lifecycle["outputs"]:
        assert role_data.get(name) == {"get_attr": ["InstanceHALifecycle", name]}, name
    copied = {k for k, v in role_data.items()
              if isinstance(v, dict) and v.get("get_attr", [None])[0] == "InstanceHALifecycle"}
    assert copied == set(lifecycle["outputs"])


def test_preflight_counts_the_agents_puppet_counts():
    """The template's power agents are the plan model's (puppet-tripleo's LP#1953042 list)."""
    with open(os.path.join(ROOT, harness.LIFECYCLE), encoding="utf-8") as handle:
        lifecycle = yaml.safe_load(handle)
    preflight = lifecycle["outputs"]["external_deploy_tasks"]["value"]["if"][1][0]
    agents = preflight["vars"]["tripleo_instanceha_power_macs"]["yaql"]["data"]["agents"]
    assert sorted(agents) == sorted(POWER_AGENTS)


@pytest.mark.parametrize("version", VERSIONS)
def test_each_rendered_release_reaches_the_lifecycle_through_the_env(rendered_tree, version):
    """environments/instance-ha.yaml -> the service -> InstanceHALifecycle -> the file we run."""
    tree = rendered_tree(version)
    with open(os.path.join(tree, "environments", "instance-ha.yaml"), encoding="utf-8") as handle:
        env = yaml.safe_load(handle)
    service = os.path.normpath(os.path.join(
        tree, "environments", env["resource_registry"]["OS::TripleO::Services::ComputeInstanceHA"]))
    assert service == os.path.join(tree, harness.SERVICE)
    with open(service, encoding="utf-8") as handle:
        nested = yaml.safe_load(handle)["resources"]["InstanceHALifecycle"]["type"]
    lifecycle = os.path.normpath(os.path.join(os.path.dirname(service), nested))
    assert lifecycle == os.path.join(tree, harness.LIFECYCLE) and os.path.isfile(lifecycle)
