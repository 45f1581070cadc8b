"""The cheap tox environments pass on a clean clone, as a new contributor runs them.

Why a clone: `releasenotes` reads the notes from git history and `docs` and
`pep8` read the tree; a working tree with build output or untracked files can
pass where a fresh checkout fails. Why the commands and not tox itself: tox
would build one virtualenv per environment (minutes); the commands are what
can break, and this venv holds every requirement they need. `py3` is the
whole suite, which is running this, so it is never run from here.
"""
import configparser
import os
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHEAP = ("pep8", "docs", "releasenotes", "validate")


def _tox(toxinidir=ROOT):
    config = configparser.ConfigParser(interpolation=None)
    config.read(os.path.join(toxinidir, "tox.ini"))
    return config


def _commands(env, toxinidir):
    """The env's commands as argv lists, with tox's substitutions this needs."""
    text = _tox(toxinidir)[f"testenv:{env}"]["commands"]
    text = text.replace("{toxinidir}", toxinidir).replace("{posargs}", "")
    return [shlex.split(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("clone") / "tripleo-instanceha")
    subprocess.run(["git", "clone", "-q", ROOT, path], check=True, capture_output=True)
    return path


def test_the_cheap_envs_are_the_ones_listed():
    config = _tox()
    for env in CHEAP:
        assert config.has_option(f"testenv:{env}", "commands"), env
    assert not config.has_section("testenv:py3"), "py3 runs the suite itself (testenv)"


#: Commands already run on the clone (`validate` repeats pep8's last one): run once.
_DONE = {}


@pytest.mark.parametrize("env", CHEAP)
def test_cheap_env_passes_on_a_clean_clone(clone, env):
    bindir = os.path.dirname(sys.executable)
    run_env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                   PYTHONPATH=os.path.join(clone, "tools"))
    for argv in _commands(env, clone):
        key = (clone, tuple(argv))
        if key not in _DONE:
            _DONE[key] = subprocess.run(argv, cwd=clone, env=run_env, capture_output=True,
                                        text=True)
        run = _DONE[key]
        assert run.returncode == 0, f"tox -e {env}: {shlex.join(argv)} exited " \
            f"{run.returncode}:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
