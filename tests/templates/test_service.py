"""The Instance HA service template, its alias and the environment file.

Judged by Heat's engine (standalone validation, resolved role_data) and
compared with the single list of tunables in plan/parameters.py and with
THT 18.0.0's own definitions.
"""
import os
import re

import pytest
import yaml

from tripleo_instanceha import heat_engine, tht
from tripleo_instanceha.plan import parameters as P

from .conftest import ALIAS, ENV, LIFECYCLE, ROOT, SERVICE, node_hiera, resolve_role_data

REQUIRED = ("ServiceData", "ServiceNetMap", "RoleName", "RoleParameters", "EndpointMap")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def get_params_used(node):
    """Every parameter name a template reads with get_param."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "get_param":
                found.add(value[0] if isinstance(value, list) else value)
            found |= get_params_used(value)
    elif isinstance(node, list):
        for item in node:
            found |= get_params_used(item)
    return found


def test_tunables_are_declared_with_the_defaults_of_the_parameters_module():
    params = load(SERVICE)["parameters"]
    for name, tunable in P.TUNABLES.items():
        assert name in params, name
        assert params[name]["default"] == tunable.default, name
        assert params[name]["description"].strip(), name
    ours = {n for n in params if n.startswith("InstanceHA")}
    assert ours == set(P.TUNABLES)


def test_every_tunable_emits_its_hiera_key():
    enabled = {name: t.default for name, t in P.TUNABLES.items()}
    enabled.update({P.ENABLE: True, "InstanceHAKeystonePassword": "secret"})
    data = resolve_role_data(SERVICE, enabled)
    settings = dict(data["global_config_settings"], **data["service_config_settings"]["pacemaker"])
    for name, tunable in P.TUNABLES.items():
        if tunable.hiera is None:
            continue  # read by the lifecycle tasks: test_lifecycle_tunables_reach_the_tasks
        assert settings[tunable.hiera] == enabled[name], name


def test_lifecycle_tunables_reach_the_tasks():
    """A tunable without hiera is passed to the lifecycle template, which hands it to a task."""
    service = load(SERVICE)
    lifecycle = load(LIFECYCLE)
    nested = service["resources"]["InstanceHALifecycle"]["properties"]
    lifecycle_only = [n for n, t in P.TUNABLES.items() if t.hiera is None]
    assert lifecycle_only == ["InstanceHAEvacuatePollInterval", "InstanceHARemoteMonitorTimeout",
                              "InstanceHAStormThreshold", "InstanceHAStormWindow",
                              "InstanceHAEvacuationsPerPass"]
    for name in lifecycle_only:
        assert nested[name] == {"get_param": name}, name
        assert lifecycle["parameters"][name] == service["parameters"][name], name
        assert name in get_params_used(lifecycle["outputs"]), name


def test_no_dead_parameters():
    template = load(SERVICE)
    used = get_params_used(template)
    for name in template["parameters"]:
        assert name in used or name in REQUIRED, f"{name} is declared but never read"


def test_enable_instance_ha_is_defined_exactly_as_tht_defines_it():
    tree = tht.fetch("18.0.0")
    ours = load(SERVICE)["parameters"][P.ENABLE]
    for rel in ("deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml",
                "deployment/nova/nova-compute-container-puppet.yaml",
                "deployment/pacemaker/pacemaker-baremetal-puppet.yaml"):
        assert load(os.path.join(tree, rel))["parameters"][P.ENABLE] == ours, rel


def test_shared_parameters_match_the_lifecycle_hook():
    service = load(SERVICE)["parameters"]
    for name, definition in load(LIFECYCLE)["parameters"].items():
        if name in service:
            assert service[name] == definition, name


def test_service_name_follows_thts_filename_rule():
    stem = os.path.basename(SERVICE).split(".")[0].rsplit("-", 2)[0].replace("-", "_")
    name = load(SERVICE)["outputs"]["role_data"]["value"]["service_name"]
    assert name == "compute_instanceha" and name.startswith(stem)


def test_lifecycle_hook_is_wired_both_ways():
    """What we pass it, it declares; what it outputs, role_data carries (and so does the alias)."""
    service = load(SERVICE)
    lifecycle = load(LIFECYCLE)
    props = service["resources"]["InstanceHALifecycle"]["properties"]
    assert set(props) <= set(lifecycle["parameters"])
    role_data = service["outputs"]["role_data"]["value"]
    for output in lifecycle["outputs"]:
        assert role_data[output] == {"get_attr": ["InstanceHALifecycle", output]}, output


def test_alias_passes_every_role_data_key_through():
    service_keys = set(load(SERVICE)["outputs"]["role_data"]["value"])
    alias = load(ALIAS)
    value = alias["outputs"]["role_data"]["value"]
    assert set(value) == service_keys
    for key in service_keys - {"service_name"}:
        assert value[key] == {"get_attr": ["ComputeInstanceHA", "role_data", key]}
    nested = alias["resources"]["ComputeInstanceHA"]["type"]
    assert os.path.normpath(os.path.join(os.path.dirname(ALIAS), nested)) == SERVICE


@pytest.mark.parametrize("path", [SERVICE, LIFECYCLE, ALIAS], ids=os.path.basename)
def test_heat_validates_each_template_standalone(path):
    assert heat_engine.validate_template(path) == []


@pytest.mark.parametrize("parameters, fragment", [
    ({"InstanceHAEvacuateDelay": -1}, "InstanceHAEvacuateDelay"),
    ({"InstanceHARemoteMonitorInterval": 0}, "InstanceHARemoteMonitorInterval"),
    ({"InstanceHAEvacuateDelay": 3601}, "InstanceHAEvacuateDelay"),  # the tunables' maximum
    ({"InstanceHAKeystoneUser": ""}, "InstanceHAKeystoneUser"),
    ({"InstanceHANoSharedStorage": "maybe"}, "InstanceHANoSharedStorage"),
])
def test_heat_rejects_bad_tunables(parameters, fragment):
    errors = heat_engine.validate_template(SERVICE, env={"parameters": parameters})
    assert errors and fragment in errors[0].message


CUSTOM = {P.ENABLE: True, "InstanceHANoSharedStorage": False, "InstanceHAEvacuateDelay": 30,
          "InstanceHAKeystoneUser": "nova", "InstanceHAKeystoneProject": "service",
          "InstanceHAKeystonePassword": "n0va-secret", "InstanceHARemoteMonitorInterval": 5,
          "InstanceHARemoteReconnectInterval": 120}


KEYSTONE = {
    "tripleo::profile::base::pacemaker::instance_ha::keystone_admin": "nova",
    "tripleo::profile::base::pacemaker::instance_ha::keystone_tenant": "service",
    "tripleo::profile::base::pacemaker::instance_ha::keystone_password": "n0va-secret",
}


@pytest.mark.parametrize("path", [SERVICE, ALIAS], ids=["deployment", "puppet-alias"])
def test_enabled_every_node_gets_the_instance_ha_hiera(path):
    """Global but for the keystone identity: only the pacemaker nodes read it (R2-3).

    puppet-tripleo's pacemaker profile includes instance_ha on the bootstrap
    controller alone; the password must not land in the computes' hiera.
    """
    data = resolve_role_data(path, CUSTOM)
    assert data["service_name"] == "compute_instanceha"
    assert data["step_config"] == "include tripleo::profile::pacemaker::compute_instanceha"
    assert not set(KEYSTONE) & set(data["global_config_settings"])
    assert data["service_config_settings"] == {"pacemaker": KEYSTONE}
    roles = {"Controller": [], "ComputeInstanceHA": [data], "Compute": []}
    runs = {"Controller": ["pacemaker"], "ComputeInstanceHA": ["pacemaker_remote"]}
    instance_ha = {  # global: the controllers run the evacuation agent and fence device
        "tripleo::instanceha": True,
        "tripleo::instanceha::no_shared_storage": False,
        "tripleo::instanceha::evacuate_delay": 30,
        "pacemaker_remote_monitor_interval": 5,
        "pacemaker_remote_reconnect_interval": 120,
    }
    assert node_hiera(roles, "Controller", runs) == dict(instance_ha, **KEYSTONE)
    for role in ("ComputeInstanceHA", "Compute"):
        assert node_hiera(roles, role, runs) == instance_ha, role


@pytest.mark.parametrize("path", [SERVICE, ALIAS], ids=["deployment", "puppet-alias"])
def test_role_data_carries_the_lifecycle_tasks(path):
    """The hook's task lists reach role_data resolved (lists, never null), in both paths."""
    data = resolve_role_data(path, CUSTOM)
    for key in load(LIFECYCLE)["outputs"]:
        assert isinstance(data[key], list), key


def test_enabled_with_defaults_leaves_the_password_to_the_profile():
    data = resolve_role_data(SERVICE, {P.ENABLE: True})
    settings = data["global_config_settings"]
    assert not any(key.endswith("keystone_password") for key in settings)
    assert not any(key.endswith("keystone_password")
                   for key in data["service_config_settings"]["pacemaker"])
    assert settings["tripleo::instanceha::no_shared_storage"] is True
    assert settings["pacemaker_remote_monitor_interval"] == 5


@pytest.mark.parametrize("path", [SERVICE, ALIAS], ids=["deployment", "puppet-alias"])
def test_disabled_configures_nothing(path):
    """No hiera on any node and no puppet; the env file may stay included."""
    data = resolve_role_data(path, dict(CUSTOM, **{P.ENABLE: False}))
    assert data["global_config_settings"] == {}
    assert data["service_config_settings"] == {}
    assert data["step_config"] == ""
    roles = {"Controller": [], "ComputeInstanceHA": [data], "Compute": []}
    assert all(node_hiera(roles, role) == {} for role in roles)


def test_environment_file_is_the_single_switch():
    with open(ENV, encoding="utf-8") as handle:
        text = handle.read()
    header = list(re.match(r"((?:#.*\n)+)", text).group(1).splitlines())
    assert len(header) == 3 and "instance-ha.yaml" in header[2]
    env = yaml.safe_load(text)
    assert env["parameter_defaults"] == {P.ENABLE: True}
    registry = env["resource_registry"]
    assert set(registry) == {P.SERVICE_COMPUTE_IHA}
    target = os.path.normpath(os.path.join(os.path.dirname(ENV), registry[P.SERVICE_COMPUTE_IHA]))
    assert target == SERVICE


def test_shipped_tree_root_is_the_checkout():
    assert os.path.isfile(os.path.join(ROOT, "environments", "instance-ha.yaml"))
