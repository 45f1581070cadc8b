"""One set of value rules for the tunables: --set, -e files, <Role>Parameters and the budget."""
import os

import pytest
import yaml

from tripleo_instanceha.cli.app import main
from tripleo_instanceha.cluster.budget import budget
from tripleo_instanceha.errors import InputError
from tripleo_instanceha.paths import EXAMPLE_DIR, template_tree
from tripleo_instanceha.plan import Plan
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan import tunables as T
from tripleo_instanceha.prepare import envs

ROLES = os.path.join(EXAMPLE_DIR, "roles_data.yaml")
PARAMS = os.path.join(EXAMPLE_DIR, "instance-ha-params.yaml")
NODES = os.path.join(EXAMPLE_DIR, "instackenv.json")
SERVICE = os.path.join(template_tree(), "deployment", "pacemaker",
                       "compute-instanceha-baremetal-puppet.yaml")


def env_file(tmp_path, params, name="tunables.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"parameter_defaults": params}))
    return str(path)


def test_every_tunable_has_a_rule_that_the_template_declares_too():
    with open(SERVICE, encoding="utf-8") as handle:
        declared = yaml.safe_load(handle)["parameters"]
    assert set(T.RULES) == set(P.TUNABLES)
    for name, rule in T.RULES.items():
        assert declared[name].get("constraints", []) == rule.heat_constraints(), name
        assert T.check(name, P.TUNABLES[name].default, "defaults")[1] is None, name


@pytest.mark.parametrize("name, value, converted", [
    ("InstanceHAEvacuateDelay", "30", 30),       # Heat reads a numeric string as a number
    ("InstanceHAEvacuateDelay", 3600, 3600),
    ("InstanceHARemoteMonitorInterval", 5.0, 5),
    ("InstanceHARemoteMonitorTimeout", "15", 15),
    ("InstanceHANoSharedStorage", "false", False),
    ("InstanceHANoSharedStorage", 1, True),
    ("InstanceHAKeystoneUser", "ihauser", "ihauser"),
])
def test_values_heat_accepts_pass(name, value, converted):
    assert T.check(name, value, "env.yaml") == (converted, None)


@pytest.mark.parametrize("name, value, why", [
    ("InstanceHAEvacuateDelay", -30, "is below the accepted range"),
    ("InstanceHAEvacuateDelay", 86400, "is above the accepted range"),
    ("InstanceHARemoteMonitorInterval", 0, "is below the accepted range"),
    ("InstanceHARemoteMonitorTimeout", 0, "is below the accepted range"),
    ("InstanceHARemoteMonitorTimeout", 3601, "is above the accepted range"),
    ("InstanceHARemoteReconnectInterval", "30s", "is not a number"),
    ("InstanceHAEvacuateDelay", 1.5, "is not a whole number"),
    ("InstanceHAEvacuateDelay", True, "is a boolean"),
    ("InstanceHANoSharedStorage", 2, "is not a boolean"),
    ("InstanceHAKeystoneUser", "", "is empty"),
])
def test_values_outside_the_rules_name_source_role_and_range(name, value, why):
    _, problem = T.check(name, value, "env.yaml", role="ComputeInstanceHA", line=7)
    assert why in problem.message
    assert problem.source == "env.yaml" and problem.line == 7
    assert problem.parameter == name and problem.role == "ComputeInstanceHA"
    assert f"ComputeInstanceHAParameters.{name}" in problem.message
    assert problem.accepted in problem.message and problem.accepted in problem.fix


def test_a_secret_is_never_repeated():
    _, problem = T.check("InstanceHAKeystonePassword", {"pw": "hunter2"}, "env.yaml")
    assert problem is not None and "hunter2" not in str(problem)


def test_set_and_environment_files_give_the_same_message(tmp_path):
    with pytest.raises(InputError) as exc:
        envs.parse_settings(["InstanceHAEvacuateDelay=-30"])
    from_set = exc.value.problems[0]
    plan = Plan.load(roles_file=ROLES, env_files=[PARAMS, env_file(
        tmp_path, {"InstanceHAEvacuateDelay": -30})], nodes_file=NODES)
    from_file = T.plan_problems(plan.environment, plan.roles)[0]
    assert from_set.message == from_file.message
    assert from_set.source == "--set" and from_file.source.endswith("tunables.yaml")
    # --set and Heat agree on the upper bound as well (it used to take any number >= 0)
    with pytest.raises(InputError, match="from 1 to 3600"):
        envs.parse_settings(["InstanceHARemoteMonitorInterval=0"])


def test_role_parameters_and_later_files_count_as_heat_merges_them(tmp_path):
    bad = env_file(tmp_path, {"InstanceHAEvacuateDelay": -30,
                              "ComputeInstanceHAParameters": {
                                  "InstanceHARemoteMonitorInterval": "soon"}}, "bad.yaml")
    fixed = env_file(tmp_path, {"InstanceHAEvacuateDelay": 30}, "fixed.yaml")
    plan = Plan.load(roles_file=ROLES, env_files=[PARAMS, bad, fixed], nodes_file=NODES)
    found = T.plan_problems(plan.environment, plan.roles)
    assert [(p.parameter, p.role) for p in found] == [
        ("InstanceHARemoteMonitorInterval", "ComputeInstanceHA")]


def test_budget_refuses_an_invalid_tunable_instead_of_printing_a_negative_time(tmp_path):
    plan = Plan.load(roles_file=ROLES, env_files=[PARAMS, env_file(
        tmp_path, {"InstanceHAEvacuateDelay": -30})], nodes_file=NODES)
    with pytest.raises(InputError, match="InstanceHAEvacuateDelay -30 is below"):
        budget(plan)


def test_rehearse_stops_with_exit_2_and_the_same_message(tmp_path, capsys):
    bad = env_file(tmp_path, {"InstanceHAEvacuateDelay": -30})
    code = main(["rehearse", "--example", "-e", bad])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "InstanceHAEvacuateDelay -30 is below" in err
    assert "-30s" not in err and "Traceback" not in err
