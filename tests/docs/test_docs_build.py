"""The operator's guide builds, the release notes lint, and every command in the docs exists.

Why parse the commands: a guide that shows options the tool no longer has
fails the operator at the worst moment. Each ``tripleo-instanceha ...`` line
in a literal block is parsed by the real command's own argument parser.
"""
import glob
import logging
import os
import re
import shlex
import subprocess
import sys

import pytest

from tripleo_instanceha.cli.app import InstanceHAApp

from tests.conftest import ROOT

DOC_SOURCE = os.path.join(ROOT, "doc", "source")
BIN = os.path.dirname(sys.executable)
PROGRAM = "tripleo-instanceha"


def _literal_commands(path):
    """``tripleo-instanceha ...`` lines of literal and code blocks (prompt dropped, continuations
    joined)."""
    commands = []
    lines = open(path, encoding="utf-8").read().splitlines()
    in_block, indent = False, 0
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if in_block and stripped and (len(line) - len(line.lstrip())) < indent:
            in_block = False
        if not in_block and (line.rstrip().endswith("::") or stripped.startswith(".. code")):
            in_block, indent = True, (len(line) - len(line.lstrip())) + 1
        elif in_block and stripped.lstrip("$ ").startswith(PROGRAM + " "):
            command = stripped.lstrip("$ ")
            while command.endswith("\\") and index + 1 < len(lines):
                index += 1
                command = command[:-1] + " " + lines[index].strip()
            commands.append(command)
        index += 1
    return commands


def _all_commands():
    found = []
    for path in sorted(glob.glob(os.path.join(DOC_SOURCE, "*.rst"))):
        for command in _literal_commands(path):
            found.append((os.path.basename(path), command))
    return found


def test_sphinx_builds_without_warnings(tmp_path):
    run = subprocess.run([os.path.join(BIN, "sphinx-build"), "-W", "-q", "-b", "html",
                          DOC_SOURCE, str(tmp_path / "html")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "html" / "operators-guide.html").exists()


def test_release_notes_lint(caplog):
    """``reno lint``'s checks (section names, unique ids) on every note in the tree."""
    from reno import config, linter
    conf = config.Config(ROOT)
    # Linting does not depend on versions; releasenotes/config.yaml names an
    # earliest_version that no git tag carries yet, which only matters to reports.
    conf.override(earliest_version=None)
    with caplog.at_level(logging.WARNING, logger="reno"):
        assert linter.lint_cmd(None, conf) == 0, caplog.text
    notes = glob.glob(os.path.join(ROOT, "releasenotes", "notes", "*.yaml"))
    assert any(os.path.basename(n).startswith("instance-ha-lifecycle-") for n in notes)


def test_the_guide_shows_the_commands_it_needs():
    guide = [c for page, c in _all_commands() if page == "operators-guide.rst"]
    verbs = {" ".join(shlex.split(c)[1:3]) for c in guide}
    for needed in ("prepare --templates", "fencing generate", "validate --templates",
                   "rehearse --templates", "roles generate"):
        assert any(v.startswith(needed) for v in verbs), needed


@pytest.mark.parametrize("page, command", _all_commands(),
                         ids=lambda value: value if value.endswith(".rst") else None)
def test_every_documented_command_parses(page, command):
    # usage notation: <placeholder> is a value, [--option VALUE] is optional
    # (a shell redirection, " > FILE", is the shell's, not the command's)
    command = re.sub(r"\s>\s+\S+$", "", command)
    usage = re.sub(r"\s\[[^\]]*\]", "", command).replace("<", "").replace(">", "")
    argv = shlex.split(usage)[1:]
    app = InstanceHAApp()
    factory, name, rest = app.command_manager.find_command(argv)
    parser = factory(app, None).get_parser(f"{PROGRAM} {name}")
    try:
        parser.parse_args(rest)
    except SystemExit as exc:  # argparse refuses the line
        pytest.fail(f"{page}: '{command}' does not parse (exit {exc.code})")
