"""Environment resolution follows Heat: later files win, registry paths relative to each file."""
import os

import pytest

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan.environment import Environment


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_later_file_wins_and_registry_is_relative_to_its_file(tmp_path):
    first = write(tmp_path / "a" / "one.yaml",
                  "resource_registry:\n  OS::X: ../t/x.yaml\nparameter_defaults:\n  P: 1\n  Q: a\n")
    second = write(tmp_path / "b" / "c" / "two.yaml",
                   "resource_registry:\n  OS::Y: y.yaml\n  OS::Z: OS::Heat::None\n"
                   "parameter_defaults:\n  P: 2\n")
    env = Environment()
    env.add_file(first)
    env.add_file(second)
    assert env.param("P") == 2 and env.param("Q") == "a"
    assert env.param_source["P"] == second
    assert env.resolve("OS::X") == str(tmp_path / "t" / "x.yaml")
    assert env.resolve("OS::Y") == str(tmp_path / "b" / "c" / "y.yaml")
    assert not env.is_mapped("OS::Z") and env.is_mapped("OS::Y")


def test_unknown_section_is_one_clear_error(tmp_path):
    path = write(tmp_path / "bad.yaml", "parameter_default:\n  P: 1\n")
    with pytest.raises(InputError) as exc:
        Environment().add_file(path)
    assert "parameter_default" in str(exc.value) and path in str(exc.value)


def test_broken_yaml_names_the_line(tmp_path):
    path = write(tmp_path / "broken.yaml", "parameter_defaults:\n  P: [1, 2\n  Q: 3\n")
    with pytest.raises(InputError) as exc:
        Environment().add_file(path)
    problem = exc.value.problems[0]
    assert problem.source == path and problem.line in (2, 3, 4)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 40):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]")
    path = write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        Environment().add_file(path)
    assert "aliases" in str(exc.value)
    assert os.path.basename(path) in str(exc.value)
