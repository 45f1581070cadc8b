"""Our tree laid onto four real THT releases, judged by THT's tools and Heat's engine.

For each of Queens (8.4.1), Train (11.6.0), Wallaby (14.3.0) and 18.0.0:
render with THT's process-templates.py for Controller + ComputeInstanceHA +
plain Compute, run THT's yaml-validate.py over the whole tree, and validate
the whole composed overcloud with our environment in Heat's engine.
"""
import os
import shutil

import pytest
import yaml

from tripleo_instanceha import heat_engine, tht
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.tht.overlay import reference_service

from .conftest import DEPLOY_PARAMETERS, VERSIONS, overcloud_envs

IHA = P.SERVICE_COMPUTE_IHA
REMOTE = P.SERVICE_PACEMAKER_REMOTE


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def role_services(tree, role):
    """The services THT's rendered registry gives a role (its <Role>Services default)."""
    registry = load(os.path.join(tree, "overcloud-resource-registry-puppet.yaml"))
    return registry["parameter_defaults"][f"{role}Services"]


@pytest.mark.parametrize("version", VERSIONS)
def test_rendered_role_stack_has_both_services_only_on_the_instance_ha_role(rendered, version):
    tree = rendered(version)
    registry = load(os.path.join(tree, "overcloud-resource-registry-puppet.yaml"))
    assert registry["resource_registry"]["OS::TripleO::ComputeInstanceHA"] == \
        "puppet/computeinstanceha-role.yaml"
    assert os.path.isfile(os.path.join(tree, "puppet", "computeinstanceha-role.yaml"))
    iha = role_services(tree, "ComputeInstanceHA")
    assert IHA in iha and REMOTE in iha
    plain = role_services(tree, "Compute")
    assert IHA not in plain and REMOTE not in plain
    # Nothing of the release's Compute role is lost (upstream's copy lost Rear).
    assert set(plain) <= set(iha)


@pytest.mark.parametrize("version", VERSIONS)
def test_overlay_speaks_the_releases_dialect(rendered, version):
    tree = rendered(version)
    ours = load(os.path.join(tree, "deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml"))
    _rel, reference = reference_service(tht.fetch(version))
    assert ours["heat_template_version"] == reference["heat_template_version"]
    assert ours["parameters"][P.ENABLE] == reference["parameters"][P.ENABLE]
    # Up to Train the service chain passes DefaultPasswords to every service.
    assert ("DefaultPasswords" in ours["parameters"]) == (version in ("8.4.1", "11.6.0"))
    assert set(P.TUNABLES) <= set(ours["parameters"])


@pytest.mark.parametrize("version", VERSIONS)
def test_thts_yaml_validate_passes_on_the_overlaid_tree(rendered, version):
    run = tht.yaml_validate(rendered(version))
    assert run.ok, run.output[-3000:]
    assert "Validation successful" in run.output


@pytest.mark.parametrize("version", VERSIONS)
def test_heat_validates_the_composed_overcloud_with_our_env(rendered, version):
    tree = rendered(version)
    envs = overcloud_envs(tree, os.path.join(tree, "environments", "instance-ha.yaml"))
    errors = heat_engine.validate_overcloud(tree, envs, env=DEPLOY_PARAMETERS)
    assert errors == [], [str(e) for e in errors]


@pytest.mark.parametrize("version", ["8.4.1"])
def test_heat_validates_the_pre_train_alias_path(rendered, version, tmp_path):
    """Environments written for puppet/services/pacemaker/compute-instanceha.yaml keep working."""
    tree = rendered(version)
    env = os.path.join(tree, "environments", "instance-ha-alias.yaml")
    with open(env, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"resource_registry": {
            IHA: "../puppet/services/pacemaker/compute-instanceha.yaml"},
            "parameter_defaults": {P.ENABLE: True}}, handle)
    try:
        errors = heat_engine.validate_overcloud(tree, overcloud_envs(tree, env),
                                                env=DEPLOY_PARAMETERS)
    finally:
        os.unlink(env)
    assert errors == [], [str(e) for e in errors]


def test_a_wrong_registry_path_fails_the_composed_overcloud(rendered):
    """Mutation: the env file pointing at a template that is not there."""
    tree = rendered("18.0.0")
    env = os.path.join(tree, "environments", "instance-ha-broken.yaml")
    with open(os.path.join(tree, "environments", "instance-ha.yaml"), encoding="utf-8") as src:
        text = src.read().replace("compute-instanceha-baremetal-puppet.yaml",
                                  "compute-instanceha-baremetal.yaml")
    with open(env, "w", encoding="utf-8") as handle:
        handle.write(text)
    try:
        errors = heat_engine.validate_overcloud(tree, overcloud_envs(tree, env),
                                                env=DEPLOY_PARAMETERS)
    finally:
        os.unlink(env)
    assert errors and "compute-instanceha-baremetal.yaml" in errors[0].message


def test_a_drifted_shared_parameter_fails_thts_validator(rendered, tmp_path):
    """Mutation: our EnableInstanceHA differing from the release's definitions."""
    tree = str(tmp_path / "tree")
    shutil.copytree(os.path.join(rendered("18.0.0")), tree, symlinks=True,
                    ignore=shutil.ignore_patterns("releasenotes", "roles", "network*", "ci"))
    path = os.path.join(tree, "deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml")
    template = load(path)
    template["parameters"][P.ENABLE]["description"] = "Turns Instance HA on."
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(template, handle)
    run = tht.yaml_validate(tree, paths=["./deployment"])
    assert not run.ok
    assert 'Mismatched parameter definitions found for "EnableInstanceHA"' in run.output


@pytest.mark.parametrize("rel", [
    "deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml",
    "deployment/pacemaker/compute-instanceha-lifecycle.yaml",
    "puppet/services/pacemaker/compute-instanceha.yaml",
])
def test_shipped_templates_already_speak_the_newest_release(rel):
    """Laid onto 18.0.0, the overlay changes nothing: the shipped files are 18.0.0's dialect."""
    from tripleo_instanceha.paths import template_tree
    from tripleo_instanceha.tht.overlay import adapt_template, required_params, tree_definitions

    source = tht.fetch("18.0.0")
    _rel, reference = reference_service(source)
    shipped = load(os.path.join(template_tree(), rel))
    names = set(shipped["parameters"]) - set(reference["parameters"])
    adapted = adapt_template(shipped, reference, required_params(source),
                             tree_definitions(source, names))
    assert adapted == shipped


@pytest.mark.parametrize("version", VERSIONS)
def test_overlaid_service_gives_the_same_hiera_in_every_release(rendered, version):
    """Adapted to a release's dialect, both paths still emit the hiera, and nothing when off."""
    from .conftest import resolve_role_data

    tree = rendered(version)
    values = {P.ENABLE: True, "InstanceHAEvacuateDelay": 45, "InstanceHANoSharedStorage": False}
    for rel in ("deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml",
                "puppet/services/pacemaker/compute-instanceha.yaml"):
        on = resolve_role_data(os.path.join(tree, rel), values)
        settings = on["global_config_settings"]
        assert settings["tripleo::instanceha"] is True
        assert settings["tripleo::instanceha::evacuate_delay"] == 45
        assert settings["tripleo::instanceha::no_shared_storage"] is False
        assert "compute_instanceha" in on["step_config"]
        off = resolve_role_data(os.path.join(tree, rel), dict(values, **{P.ENABLE: False}))
        assert off["global_config_settings"] == {} and off["step_config"] == ""


PASSWORD = "tripleo::profile::base::pacemaker::instance_ha::keystone_password"


def _service_names(tree, role):
    """The service_name of each service a role runs, as the docker-ha environment maps them."""
    registry = dict(load(os.path.join(tree, "overcloud-resource-registry-puppet.yaml"))
                    ["resource_registry"])
    ha = os.path.join(tree, "environments", "docker-ha.yaml")
    for name, target in load(ha)["resource_registry"].items():
        registry[name] = os.path.relpath(os.path.join(tree, "environments", target), tree)
    names = []
    for service in role_services(tree, role):
        path = os.path.join(tree, str(registry.get(service, "")))
        if not os.path.isfile(path):  # OS::Heat::None, or not mapped
            continue
        name = (((load(path).get("outputs") or {}).get("role_data") or {})
                .get("value") or {}).get("service_name")
        if isinstance(name, str):
            names.append(name)
    return names


@pytest.mark.parametrize("version", VERSIONS)
def test_keystone_identity_reaches_only_the_pacemaker_nodes(rendered, version, tmp_path):
    """The password is in service_config_settings.pacemaker, never global (R2-3).

    Each role's hiera is what the release's own rendered overcloud.yaml makes
    of our service_config_settings: its <Role>ServiceConfigSettings yaql,
    evaluated by Heat's engine with the role's service names.
    """
    from .conftest import resolve_role_data

    tree = rendered(version)
    overcloud = load(os.path.join(tree, "overcloud.yaml"))
    values = {P.ENABLE: True, "InstanceHAKeystonePassword": "n0va-secret"}
    roles = {"Controller": True, "ComputeInstanceHA": False, "Compute": False}
    names = {role: _service_names(tree, role) for role in roles}
    assert "pacemaker" in names["Controller"], names["Controller"]
    assert "pacemaker" not in names["ComputeInstanceHA"]
    assert "pacemaker_remote" in names["ComputeInstanceHA"]
    for rel in ("deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml",
                "puppet/services/pacemaker/compute-instanceha.yaml"):
        ours = resolve_role_data(os.path.join(tree, rel), values)
        assert PASSWORD not in ours["global_config_settings"], rel
        assert ours["service_config_settings"]["pacemaker"][PASSWORD] == "n0va-secret", rel
        for role, reads in roles.items():
            merged = overcloud["resources"][f"{role}ServiceConfigSettings"]["properties"][
                "value"]["map_merge"][-1]["yaql"]
            probe = {"heat_template_version": overcloud["heat_template_version"],
                     "outputs": {"hiera": {"value": {"yaql": {
                         "expression": merged["expression"],
                         "data": {"map": {"yaql": {
                             "expression": merged["data"]["map"]["yaql"]["expression"],
                             "data": [ours["service_config_settings"]]}},
                             "services": names[role]}}}}}}
            path = tmp_path / f"{role}.yaml"
            path.write_text(yaml.safe_dump(probe))
            hiera = heat_engine.resolve_outputs(str(path), {})["hiera"]
            assert (hiera.get(PASSWORD) == "n0va-secret") is reads, (version, rel, role, hiera)
