"""The one expansion bound: every YAML reader and every value handed to Heat's engine.

The issue's reproducer is `BOMB`: 60 nested aliases (10**7 nodes), under any
alias count, under ``ControllerExtraConfig`` of a ``-e`` file. Before the
bound lived in the shared loader it hung `validate` with the engine for more
than 60 s (killed) and took `prepare` to gigabytes; now every reader refuses
it in about a second with one message naming the file.
"""
import os

import pytest

from tripleo_instanceha import heat_engine, yamlio
from tripleo_instanceha.errors import InputError
from tripleo_instanceha.inventory import load_inventory
from tripleo_instanceha.plan.environment import Environment
from tripleo_instanceha.plan.roles import load_roles
from tripleo_instanceha.validate import yamldoc

from tests import child

EXAMPLE = os.path.join(child.ROOT, "tools", "tripleo_instanceha", "data", "example")


def bomb(levels=6, width=10, indent="    "):
    """`levels` x `width` aliases expanding to width**(levels + 1) nodes."""
    lines = [f"{indent}a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"{indent}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]"
              for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


BOMB = "parameter_defaults:\n  ControllerExtraConfig:\n" + bomb()
ROLES_BOMB = "- name: Controller\n  extra:\n" + bomb()
INVENTORY_BOMB = "defaults:\n" + bomb(indent="  ") + "nodes:\n  - name: n0\n    pm_type: ipmi\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_bomb_stays_under_an_alias_count_but_expands_past_the_bound():
    assert BOMB.count("*") == 60
    with pytest.raises(InputError, match="expand to more than 1000000"):
        yamlio.parse_yaml(BOMB, "bomb.yaml")
    # Merge keys on every node of a large file are not an expansion problem.
    many = "d: &d {a: 1, b: 2}\nnodes:\n" + "".join(
        f"  - {{<<: *d, n: {i}}}\n" for i in range(5000))
    assert len(yamlio.parse_yaml(many, "many.yaml")["nodes"]) == 5000


@pytest.mark.parametrize("reader, name, text", [
    (lambda p: Environment().add_file(p), "env.yaml", BOMB),
    (load_roles, "roles_data.yaml", ROLES_BOMB),
    (load_inventory, "nodes.yaml", INVENTORY_BOMB),
    (lambda p: yamldoc.parse(yamlio.read_text(p), p), "doc.yaml", BOMB),
], ids=["environment", "roles", "inventory", "yamldoc"])
def test_every_reader_refuses_the_bomb_naming_the_file(tmp_path, reader, name, text):
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as caught:
        reader(path)
    [problem] = caught.value.problems
    assert problem.source == path and "expand to more than" in problem.message
    assert problem.fix == "write the values out instead of nesting aliases"


TEMPLATE = os.path.join(child.ROOT, "deployment", "pacemaker",
                        "compute-instanceha-baremetal-puppet.yaml")


def refused(errors, source):
    [error] = errors
    assert (error.source, error.kind) == (source, "InputError"), error
    assert "more than 1000000" in error.message
    return error


def test_heat_engine_refuses_a_bomb_environment_file_naming_it(tmp_path):
    path = write(tmp_path, "engine-env.yaml", BOMB)
    refused(heat_engine.validate_template(TEMPLATE, env_files=[path]), path)


def test_values_handed_to_heat_are_bounded_whoever_built_them():
    leaf = ["x"] * 10
    for _ in range(6):
        leaf = [leaf] * 10  # shared, as any YAML loader returns aliases
    template = TEMPLATE
    refused(heat_engine.validate_template(
        template, env={"parameter_defaults": {"ControllerExtraConfig": {"a": leaf}}}),
        f"the environment given to Heat for {template}")
    with pytest.raises(InputError, match="more than 1000000"):
        heat_engine.resolve_outputs(template, {"ControllerExtraConfig": {"a": leaf}})
    # A shared value below the bound passes (sizes are counted, not walked).
    small = [["x"] * 100] * 100
    yamlio.check_expansion({"a": [small] * 90}, "small")


def test_a_template_the_registry_points_to_is_bounded_too(tmp_path):
    nested = write(tmp_path, "bomb-service.yaml", "heat_template_version: wallaby\n"
                   "parameters:\n  Extra:\n    type: json\n    default:\n" + bomb(indent="      ")
                   + "resources: {}\n")
    env = write(tmp_path, "env.yaml", f"resource_registry:\n  OS::Bomb: {nested}\n")
    top = write(tmp_path, "top.yaml", "heat_template_version: wallaby\n"
                "resources:\n  B: {type: OS::Bomb}\n")
    refused(heat_engine.validate_template(top, env_files=[env]), nested)


def plan_args(tht_dir, *envs):
    args = ["--templates", tht_dir, "-r", os.path.join(EXAMPLE, "roles_data.yaml"),
            "--nodes", os.path.join(EXAMPLE, "instackenv.json")]
    for env in envs:
        args += ["-e", env]
    return args


@pytest.fixture(scope="module")
def tht18():
    from tripleo_instanceha import tht
    return tht.fetch("18.0.0")


def test_validate_with_the_engine_refuses_the_bomb_quickly(tmp_path, tht18):
    """Before the fix: killed after 60 s (the engine walking 10**7 nodes)."""
    path = write(tmp_path, "bomb.yaml", BOMB)
    result = child.run("validate", *plan_args(tht18, os.path.join(EXAMPLE,
                                                                  "instance-ha-params.yaml"),
                                              path))
    assert result.code == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {path}:") and "expand to more than" in line


def test_prepare_refuses_the_bomb_before_any_work(tmp_path, tht18):
    path = write(tmp_path, "bomb.yaml", BOMB)
    out = tmp_path / "out"
    result = child.run("prepare", "--templates", tht18, "--nodes",
                       os.path.join(EXAMPLE, "instackenv.json"), "-e", path,
                       "--output-dir", str(out), tmpdir=str(tmp_path))
    assert result.code == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert path in line and "expand to more than" in line
    assert not out.exists()
