"""Each template rule: a broken tree it catches, a correct one it passes."""
import pytest

from tripleo_instanceha.validate.rules import (conditions, env_registry, get_attr, get_param,
                                               heat_engine_standalone, hot_version, role_data,
                                               role_name, service_name, shared_parameter,
                                               unused_parameter, yamllint_style)
from tests.validate.conftest import run_rule, write_tree

SERVICE = """\
heat_template_version: wallaby
description: Example service.
parameters:
  ServiceData: {default: {}, description: Service data, type: json}
  ServiceNetMap: {default: {}, description: Net map, type: json}
  RoleName: {default: '', description: Role name, type: string}
  RoleParameters: {default: {}, description: Role parameters, type: json}
  EndpointMap: {default: {}, description: Endpoints, type: json}
  EnableInstanceHA:
    default: false
    description: Whether to enable Instance HA.
    type: boolean
conditions:
  iha_on: {equals: [{get_param: EnableInstanceHA}, true]}
resources:
  Lifecycle:
    type: ./example-lifecycle.yaml
outputs:
  role_data:
    description: Role data.
    value:
      service_name: example_service
      config_settings:
        tripleo::instanceha: {get_param: EnableInstanceHA}
        enabled: {if: [iha_on, 'yes', 'no']}
      upgrade_tasks: {get_attr: [Lifecycle, upgrade_tasks]}
"""
LIFECYCLE = """\
heat_template_version: wallaby
description: Nested tasks.
outputs:
  upgrade_tasks:
    value: []
"""
SERVICE_PATH = "deployment/example/example-service-baremetal-puppet.yaml"
LIFECYCLE_PATH = "deployment/example/example-lifecycle.yaml"


def tree(tmp_path, service=SERVICE, **extra):
    files = {SERVICE_PATH: service, LIFECYCLE_PATH: LIFECYCLE}
    files.update(extra)
    return write_tree(tmp_path, files)


def rules_of(findings):
    return sorted({f.rule for f in findings})


@pytest.mark.parametrize("module", [
    yamllint_style, hot_version, get_param, get_attr, conditions, unused_parameter, role_data,
    service_name, shared_parameter, role_name, env_registry, heat_engine_standalone])
def test_correct_tree_passes_every_rule(tmp_path, module):
    root = tree(tmp_path, **{
        "roles/Example.yaml":
            "- name: Example\n  ServicesDefault:\n    - OS::TripleO::Services::X\n",
        "environments/example.yaml":
            "resource_registry:\n"
            "  OS::TripleO::Services::Example: ../" + SERVICE_PATH + "\n"
            "parameter_defaults:\n  EnableInstanceHA: true\n"})
    assert run_rule(module, root) == []


def test_yamllint_catches_style(tmp_path):
    root = tree(tmp_path, SERVICE.replace("description: Example service.",
                                          "description: Example service.   "))
    found = run_rule(yamllint_style, root)
    assert [f.line for f in found] == [2]
    assert "trailing spaces" in found[0].message


def test_hot_version_unknown_and_wrong_release(tmp_path, tht_tree):
    root = tree(tmp_path, SERVICE.replace("version: wallaby", "version: 2099-01-01"))
    found = run_rule(hot_version, root)
    assert found and found[0].line == 1 and "not a HOT version" in found[0].message
    root = tree(tmp_path / "b")
    found = run_rule(hot_version, root, target=tht_tree("11.6.0"))
    assert len(found) == 2 and "accepted: rocky" in found[0].message
    assert run_rule(hot_version, root, target=tht_tree("18.0.0")) == []


def test_get_param_in_outputs_must_be_declared(tmp_path):
    root = tree(tmp_path, SERVICE.replace("tripleo::instanceha: {get_param: EnableInstanceHA}",
                                          "tripleo::instanceha: {get_param: EnableInstanceHa}"))
    found = run_rule(get_param, root)
    assert len(found) == 1 and "EnableInstanceHa" in found[0].message
    assert found[0].line == 24


def test_get_attr_on_nested_template_output(tmp_path):
    root = tree(tmp_path, SERVICE.replace("[Lifecycle, upgrade_tasks]",
                                          "[Lifecycle, update_tasks]"))
    found = run_rule(get_attr, root)
    assert len(found) == 1 and "no output 'update_tasks'" in found[0].message
    root = tree(tmp_path / "b", SERVICE.replace("[Lifecycle, upgrade_tasks]",
                                                "[Lifecycl, upgrade_tasks]"))
    assert "no such resource" in run_rule(get_attr, root)[0].message


def test_conditions_reference_declared_parameters_and_conditions(tmp_path):
    root = tree(tmp_path, SERVICE.replace("equals: [{get_param: EnableInstanceHA}",
                                          "equals: [{get_param: EnableIHA}"))
    found = run_rule(conditions, root)
    assert len(found) == 1 and "EnableIHA" in found[0].message and found[0].line == 14
    root = tree(tmp_path / "b", SERVICE.replace("if: [iha_on,", "if: [iha_off,"))
    assert "iha_off" in run_rule(conditions, root)[0].message


def test_unused_parameter_is_a_warning(tmp_path):
    root = tree(tmp_path, SERVICE.replace(
        "conditions:", "  Forgotten: {default: 1, description: Nothing, type: number}\n"
        "conditions:"))
    found = run_rule(unused_parameter, root)
    assert [(f.severity, f.line) for f in found] == [("warning", 13)]
    assert "Forgotten" in found[0].message


def test_role_data_requires_service_name_and_parameters(tmp_path):
    root = tree(tmp_path, SERVICE.replace("      service_name: example_service\n", "")
                .replace("  ServiceData: {default: {}, description: Service data, type: json}\n",
                         ""))
    messages = [f.message for f in run_rule(role_data, root)]
    assert "role_data has no service_name" in messages
    assert "service template does not declare ServiceData" in messages


def test_service_name_follows_file_name(tmp_path):
    root = tree(tmp_path, SERVICE.replace("service_name: example_service",
                                          "service_name: instanceha"))
    found = run_rule(service_name, root)
    assert len(found) == 1 and "'example_service'" in found[0].message


def test_shared_parameter_within_tree(tmp_path):
    other = SERVICE.replace("Whether to enable Instance HA.", "Turn Instance HA on.")
    root = tree(tmp_path, **{"deployment/example/other-service-baremetal-puppet.yaml":
                             other.replace("example_service", "other_service")})
    found = run_rule(shared_parameter, root)
    assert len(found) == 1 and "description" in found[0].message


def test_shared_parameter_against_target_release(tmp_path, tht_tree):
    root = tree(tmp_path)
    found = run_rule(shared_parameter, root, target=tht_tree("18.0.0"))
    assert len(found) == 1
    assert "EnableInstanceHA differs from the target's definition" in found[0].message
    upstream = ("    description: Whether to enable an Instance Ha configuration or not.\n"
                "                 This setup requires the Compute role to have the\n"
                "                 PacemakerRemote service added to it.\n")
    fixed = SERVICE.replace("    description: Whether to enable Instance HA.\n", upstream)
    root = tree(tmp_path / "b", fixed)
    assert run_rule(shared_parameter, root, target=tht_tree("18.0.0")) == []
    # 11.6.0 spells it "configurarion": the same text is a finding there.
    assert run_rule(shared_parameter, root, target=tht_tree("11.6.0"))


def test_role_file_name(tmp_path):
    root = tree(tmp_path, **{"roles/Example.yaml": "- name: Exemple\n  ServicesDefault: []\n"})
    found = run_rule(role_name, root)
    assert len(found) == 1 and "Exemple" in found[0].message


def test_env_registry_paths_and_sections(tmp_path, tht_tree):
    root = tree(tmp_path, **{"environments/example.yaml":
                             "resource_registry:\n"
                             "  OS::TripleO::Services::Example: ../deployment/nope.yaml\n"
                             "  OS::TripleO::Services::Pacemaker: "
                             "../deployment/pacemaker/pacemaker-baremetal-puppet.yaml\n"
                             "paramter_defaults: {}\n"})
    found = sorted(run_rule(env_registry, root), key=lambda f: f.line)
    assert [(f.severity, f.line) for f in found] == [
        ("warning", 2), ("warning", 3), ("error", 4)]
    # Against a real THT tree the Pacemaker path exists there; nope.yaml is an error.
    found = sorted(run_rule(env_registry, root, target=tht_tree("18.0.0")), key=lambda f: f.line)
    assert [(f.severity, f.line) for f in found] == [("error", 2), ("error", 4)]


def test_heat_engine_standalone_catches_what_heat_refuses(tmp_path):
    root = tree(tmp_path, SERVICE.replace("type: ./example-lifecycle.yaml",
                                          "type: OS::Heat::Nope"))
    found = run_rule(heat_engine_standalone, root)
    assert len(found) == 1 and "OS::Heat::Nope" in found[0].message
    assert run_rule(heat_engine_standalone, root, engine=False) == []


def test_broken_yaml_is_a_finding_with_line(tmp_path):
    from tripleo_instanceha.validate import linter
    from tripleo_instanceha.validate.context import TemplateContext
    root = tree(tmp_path, SERVICE.replace("resources:\n", "resources: [\n"))
    found = linter.lint_templates(TemplateContext.build(root), engine=False)
    assert any(f.rule == "yaml-syntax" and f.file.endswith(SERVICE_PATH) and f.line
               for f in found)
