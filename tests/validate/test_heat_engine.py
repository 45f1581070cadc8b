"""The real openstack-heat engine, run offline on small templates."""
import textwrap

import pytest

from tripleo_instanceha import heat_engine

SERVICE = textwrap.dedent("""\
    heat_template_version: wallaby
    parameters:
      ServiceData: {type: json, default: {}}
      KeystonePassword: {type: string, hidden: true}
      FencingMode:
        type: string
        default: ipmi
        constraints:
          - allowed_values: [ipmi, redfish]
    resources:
      Marker:
        type: OS::Heat::Value
        properties:
          value: {get_param: FencingMode}
    outputs:
      role_data:
        value:
          service_name: example
          config_settings: {}
    """)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_valid_template_passes_with_required_parameter_filled(tmp_path):
    assert heat_engine.validate_template(write(tmp_path, "ok.yaml", SERVICE)) == []
    assert heat_engine.is_initialised()


@pytest.mark.parametrize("old,new,expected", [
    ("{get_param: FencingMode}", "{get_param: NoSuch}", "NoSuch"),
    ("OS::Heat::Value", "OS::Heat::Nope", "OS::Heat::Nope"),
    ("heat_template_version: wallaby", "heat_template_version: 2099-01-01", "2099-01-01"),
    ("outputs:", "outptus:", "outptus"),
])
def test_engine_refusals_are_reported(tmp_path, old, new, expected):
    path = write(tmp_path, "bad.yaml", SERVICE.replace(old, new))
    errors = heat_engine.validate_template(path)
    assert len(errors) == 1
    assert expected in errors[0].message
    assert errors[0].source == path


def test_constraint_violation_from_environment(tmp_path):
    path = write(tmp_path, "ok.yaml", SERVICE)
    env = write(tmp_path, "env.yaml", "parameter_defaults:\n  FencingMode: ssh\n")
    errors = heat_engine.validate_template(path, env_files=[env])
    assert errors and "not an allowed value" in errors[0].message


def test_nested_template_via_registry_relative_to_env(tmp_path):
    top = write(tmp_path, "top.yaml", textwrap.dedent("""\
        heat_template_version: wallaby
        resources:
          Svc: {type: "OS::TripleO::Services::Example"}
        outputs:
          data: {value: {get_attr: [Svc, role_data]}}
        """))
    # A nested template's required parameter is a property the parent must set.
    write(tmp_path, "deployment/svc.yaml", SERVICE.replace("hidden: true", "default: ''"))
    env = write(tmp_path, "environments/e.yaml",
                "resource_registry:\n  OS::TripleO::Services::Example: ../deployment/svc.yaml\n")
    assert heat_engine.validate_template(top, env_files=[env]) == []
    broken = write(tmp_path, "environments/b.yaml",
                   "resource_registry:\n  OS::TripleO::Services::Example: ../deployment/no.yaml\n")
    errors = heat_engine.validate_template(top, env_files=[broken])
    assert errors and "no.yaml" in errors[0].message
    assert "file://" not in errors[0].message
    unmapped = heat_engine.validate_template(top)
    assert unmapped and "OS::TripleO::Services::Example" in unmapped[0].message


def test_unreadable_inputs_are_findings_not_tracebacks(tmp_path):
    missing = str(tmp_path / "missing.yaml")
    assert heat_engine.validate_template(missing)[0].source == missing
    broken = write(tmp_path, "broken.yaml", "heat_template_version: wallaby\nresources: [\n")
    assert heat_engine.validate_template(broken)
    assert heat_engine.validate_overcloud(str(tmp_path / "no-tree"))


def test_known_versions_include_release_names():
    versions = heat_engine.valid_template_versions()
    assert {"queens", "rocky", "wallaby", "2016-10-14"} <= set(versions)


def test_hidden_parameter_values_never_in_messages(tmp_path):
    path = write(tmp_path, "pw.yaml", textwrap.dedent("""\
        heat_template_version: wallaby
        parameters:
          Token:
            type: string
            hidden: true
            constraints:
              - allowed_pattern: "[a-z]+"
        """))
    env = write(tmp_path, "env.yaml", "parameter_defaults:\n  Token: NOT-A-REAL-SECRET9\n")
    errors = heat_engine.validate_template(path, env_files=[env])
    assert errors and "does not match pattern" in errors[0].message
    assert "NOT-A-REAL-SECRET9" not in errors[0].message
