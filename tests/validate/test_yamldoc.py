"""Line-tracking YAML: the line of every key, one parse, the alias-bomb guard kept."""
import pytest

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.formatters import findings as fmt
from tripleo_instanceha.validate.findings import error, warning
from tripleo_instanceha.validate.yamldoc import parse

TEXT = """\
parameter_defaults:
  EnableInstanceHA: true
  FencingConfig:
    devices:
      - agent: fence_ipmilan
        host_mac: 52:54:00:aa:bb:cc
      - agent: fence_redfish
"""


def test_lines_of_keys_and_list_items():
    doc = parse(TEXT, "env.yaml")
    assert doc.data["parameter_defaults"]["EnableInstanceHA"] is True
    assert doc.line("parameter_defaults", "EnableInstanceHA") == 2
    assert doc.line("parameter_defaults", "FencingConfig", "devices", 1) == 7
    assert doc.line("parameter_defaults", "FencingConfig", "devices", 0, "host_mac") == 6
    # The deepest known prefix answers for a path that goes further than the file.
    assert doc.line("parameter_defaults", "FencingConfig", "nothing") == 3
    assert doc.line("nothing") is None


def test_broken_yaml_and_alias_bomb_are_input_errors():
    with pytest.raises(InputError) as caught:
        parse("a: [\n", "bad.yaml")
    assert caught.value.problems[0].line == 2
    bomb = "a: &a [x, x]\n" + "".join(
        f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n"
        for i in range(120))
    with pytest.raises(InputError, match="aliases"):
        parse(bomb, "bomb.yaml")


def test_text_and_json_formats():
    found = [error("x", "broken", "/tmp/f.yaml", 3, "mend it"), warning("y", "odd")]
    text = fmt.to_text(found)
    assert "/tmp/f.yaml:3: error: [x] broken\n    fix: mend it" in text
    assert "plan: warning: [y] odd" in text and text.endswith("1 error(s), 1 warning(s)")
    data = fmt.to_dict(found, checked=["templates"])
    assert data["summary"] == {"errors": 1, "warnings": 1}
    assert data["findings"][0] == {"rule": "x", "severity": "error", "file": "/tmp/f.yaml",
                                   "line": 3, "message": "broken", "fix": "mend it"}
