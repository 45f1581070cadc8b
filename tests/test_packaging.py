"""A pip install ships the template tree and the bundled example, not just the code."""
import glob
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_wheel_carries_templates_example_and_entry_points(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), ROOT], check=True, capture_output=True)
    wheel = next(p for p in os.listdir(tmp_path) if p.endswith(".whl"))
    names = zipfile.ZipFile(tmp_path / wheel).namelist()
    data = "tripleo_instanceha-0.1.0.data/data/share/tripleo-instanceha/"
    for path in ("environments/instance-ha.yaml",
                 "deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml",
                 "deployment/pacemaker/compute-instanceha-lifecycle.yaml",
                 "deployment/pacemaker/ocf/tripleo-instanceha/NovaEvacuate",
                 "deployment/pacemaker/alerts/tripleo-instanceha-alert",
                 "puppet/services/pacemaker/compute-instanceha.yaml",
                 "roles/ComputeInstanceHA.yaml"):
        assert data + path in names, path
    assert "tripleo_instanceha/data/example/instackenv.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(tmp_path / wheel).read(entry_points).decode()
    assert "overcloud_instance-ha_fencing_generate" in text
    assert "tripleo-instanceha = tripleo_instanceha.cli.app:main" in text


# A plain `pip install` in a fresh venv: every validate rule runs (issue 13, item 7).

#: Wheels of the dependencies, built once and then installed offline (``--no-index``):
#: the first run fills it from the package index (about 2 minutes with the heat extra),
#: later runs only install. Outside the clone by default, like the stack roots, so a
#: fresh clone (CI) reuses it.
WHEELHOUSE = os.path.join(os.environ.get("TRIPLEO_INSTANCEHA_CACHE")
                          or "/var/cache/tripleo-instanceha", "wheels")


def _pip(*args, **kwargs):
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                          env=env, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    _pip("wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), ROOT, check=True)
    return str(next(out.glob("*.whl")))


def _fresh_venv(path, requirement):
    """A new venv holding only *requirement* and what it declares (no test requirements).

    The venv has no pip of its own (saves ensurepip's seconds); this pip installs into it,
    without byte-compiling (a third of the time with the heat extra; Python compiles
    what it imports anyway).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = str(path / "bin" / "python")
    offline = ["--python", python, "install", "-q", "--no-compile", "--no-index",
               "--find-links", WHEELHOUSE, requirement]
    if _pip(*offline).returncode != 0:
        os.makedirs(WHEELHOUSE, exist_ok=True)
        _pip("wheel", "-q", "-w", WHEELHOUSE, "--find-links", WHEELHOUSE, requirement, check=True)
        for stale in glob.glob(os.path.join(WHEELHOUSE, "tripleo_instanceha-*.whl")):
            os.unlink(stale)  # ours is always the wheel just built, never a cached one
        _pip(*offline, check=True)
    return python


def _validate_example(python, workdir):
    """`fencing generate` then `validate` on the bundled example, as a new user runs them."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = os.path.join(os.path.dirname(python), "tripleo-instanceha")
    example = subprocess.run([python, "-c", "from tripleo_instanceha.paths import EXAMPLE_DIR, "
                              "template_tree; print(EXAMPLE_DIR); print(template_tree())"],
                             capture_output=True, text=True, env=env, cwd=workdir, check=True)
    example_dir, tree = example.stdout.split()
    assert not tree.startswith(ROOT), "the installed tree must be used, not the checkout"
    roles, params, nodes = (os.path.join(example_dir, name) for name in
                            ("roles_data.yaml", "instance-ha-params.yaml", "instackenv.json"))
    subprocess.run([script, "fencing", "generate", "-r", roles, "-e", params, "-o",
                    "fencing.yaml", nodes], capture_output=True, text=True, env=env,
                   cwd=workdir, check=True)
    return subprocess.run([script, "validate", "-r", roles, "-e", params, "-e", "fencing.yaml",
                           "--nodes", nodes], capture_output=True, text=True, env=env,
                          cwd=workdir)


def test_plain_install_runs_every_rule_and_says_the_engine_did_not_run(wheel, tmp_path):
    python = _fresh_venv(tmp_path / "venv", wheel)
    heat = subprocess.run([python, "-c", "import heat"], capture_output=True)
    assert heat.returncode != 0, "the plain install must not bring openstack-heat"
    run = _validate_example(python, str(tmp_path))
    assert "could not run" not in run.stdout + run.stderr
    assert ("not run: heat engine: openstack-heat is not installed (fix: pip install "
            "'tripleo-instanceha[heat]' to run them, or pass --no-engine)") in run.stdout
    assert run.stdout.splitlines()[0] == "checked: templates, plan"
    assert run.returncode == 0, run.stdout + run.stderr


def test_install_with_heat_extra_runs_the_engine_checks(wheel, tmp_path):
    python = _fresh_venv(tmp_path / "venv", wheel + "[heat]")
    run = _validate_example(python, str(tmp_path))
    assert "could not run" not in run.stdout + run.stderr
    assert "not run" not in run.stdout
    assert run.stdout.splitlines()[0] == "checked: templates, plan, heat engine"
    assert run.returncode == 0, run.stdout + run.stderr


# Python 3.9, as RHOSP 17.1's undercloud has it: the bullseye root's python3 (issue 13, item 7).

STACK_ROOT = os.path.join(ROOT, "tools", "stack-root.sh")
#: pip 25.2 is the last to run on 3.9; Debian's python3 has no distutils, so
#: pip is told to use sysconfig (what it does by itself from 3.10 on).
PIP39 = "pip<25.3"
_PIP39_MAIN = ("import runpy, sys, sysconfig; sysconfig._PIP_USE_SYSCONFIG = True; "
               "sys.argv[0] = 'pip'; runpy.run_module('pip', run_name='__main__', alter_sys=True)")


def _in_root(*argv, pythonpath, cwd):
    return subprocess.run([STACK_ROOT, "run", "env", f"PYTHONPATH={pythonpath}", *argv],
                          capture_output=True, text=True, cwd=cwd)


def _download39(wheelhouse, requirement):
    """Binary wheels for CPython 3.9 on x86_64, fetched by this (newer) pip."""
    _pip("download", "-q", "--python-version", "3.9", "--implementation", "cp",
         "--platform", "manylinux2014_x86_64", "--only-binary=:all:", "-d", wheelhouse,
         requirement, check=True)


def _install39(wheel, target, cwd):
    """The wheel and its dependencies, resolved by pip running on the root's Python 3.9.

    Why pip on 3.9 resolves: a pip run elsewhere with ``--python-version 3.9``
    evaluates markers for its own Python and so leaves out 3.9-only needs
    (cliff's ``importlib-metadata; python_version < "3.10"``). The root has no
    network trust of its own, so each requirement it lacks is fetched here into a
    wheel directory it installs from offline (copied below *cwd*, which the root
    sees); later runs find them all.
    """
    wheelhouse = WHEELHOUSE + "-py39"
    os.makedirs(wheelhouse, exist_ok=True)
    if not glob.glob(os.path.join(wheelhouse, "pip-*.whl")):
        _pip("download", "-q", "--python-version", "3.9", "--only-binary=:all:", "--no-deps",
             "-d", wheelhouse, PIP39, check=True)
    local = os.path.join(cwd, "wheels-py39")
    for _ in range(10):
        shutil.copytree(wheelhouse, local, dirs_exist_ok=True)
        pip = glob.glob(os.path.join(local, "pip-*.whl"))[0]
        run = _in_root("python3", "-c", _PIP39_MAIN, "install", "-q", "--no-compile", "--no-index",
                       "--disable-pip-version-check", "--root-user-action=ignore",
                       "--find-links", local, "--target", target, wheel,
                       pythonpath=pip, cwd=cwd)
        if run.returncode == 0:
            return
        missing = re.search(r"No matching distribution found for ([^;\s]+)", run.stderr)
        assert missing, run.stderr
        _download39(wheelhouse, missing.group(1))
    raise AssertionError(f"dependencies still missing on 3.9:\n{run.stderr}")


def test_the_package_runs_on_python39(wheel, tmp_path):
    path = subprocess.run([STACK_ROOT, "path"], capture_output=True, text=True)
    assert path.returncode == 0, "the bullseye root is not built (fix: tools/stack-root.sh build)"
    target = str(tmp_path / "site")
    _install39(wheel, target, str(tmp_path))
    version = _in_root("python3", "-c", "import sys; print(sys.version_info[:2])",
                       pythonpath=target, cwd=str(tmp_path))
    assert version.stdout.strip() == "(3, 9)", version
    example = os.path.join(target, "tripleo_instanceha", "data", "example")
    roles, params, nodes = (os.path.join(example, name) for name in
                            ("roles_data.yaml", "instance-ha-params.yaml", "instackenv.json"))
    cli = ("python3", "-m", "tripleo_instanceha")
    generate = _in_root(*cli, "fencing", "generate", "-r", roles, "-e", params, "-o",
                        "fencing.yaml", nodes, pythonpath=target, cwd=str(tmp_path))
    assert generate.returncode == 0, generate.stderr
    validate = _in_root(*cli, "validate", "-r", roles, "-e", params, "-e", "fencing.yaml",
                        "--nodes", nodes, pythonpath=target, cwd=str(tmp_path))
    assert "could not run" not in validate.stdout + validate.stderr
    assert validate.stdout.splitlines()[:2] == [
        "checked: templates, plan",
        "not run: heat engine: openstack-heat is not installed (fix: pip install "
        "'tripleo-instanceha[heat]' to run them, or pass --no-engine)"]
    assert validate.returncode == 0, validate.stdout + validate.stderr
    rehearse = _in_root(*cli, "rehearse", "--example", pythonpath=target, cwd=str(tmp_path))
    assert rehearse.returncode == 0 and "Verdict: PASS" in rehearse.stdout, rehearse.stderr
    compiled = _in_root("python3", "-m", "compileall", "-q", os.path.join(target,
                        "tripleo_instanceha"), pythonpath=target, cwd=str(tmp_path))
    assert compiled.returncode == 0, compiled.stdout


#: Every library the package imports, by import name: the requirement that brings it and
#: where setup.cfg must list it (``install_requires``, or the ``heat`` extra).
IMPORTED_LIBRARIES = {
    "yaml": ("PyYAML", "install_requires"),
    "jinja2": ("Jinja2", "install_requires"),
    "cliff": ("cliff", "install_requires"),
    "yamllint": ("yamllint", "install_requires"),
    "prometheus_client": ("prometheus-client", "install_requires"),
    "openstack": ("openstacksdk", "install_requires"),
    "keystoneauth1": ("keystoneauth1", "install_requires"),
    "heat": ("openstack-heat", "heat"),
    "heatclient": ("python-heatclient", "heat"),
    "oslo_config": ("openstack-heat", "heat"),  # Heat's own configuration, which it requires
}


def _third_party_imports():
    import ast
    found = {}
    for path in glob.glob(os.path.join(ROOT, "tools", "tripleo_instanceha", "**", "*.py"),
                          recursive=True):
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "tripleo_instanceha":
                    found.setdefault(top, os.path.relpath(path, ROOT))
    return found


def test_every_imported_library_is_a_requirement():
    import configparser
    config = configparser.ConfigParser(interpolation=None)
    config.read(os.path.join(ROOT, "setup.cfg"))
    listed = {"install_requires": config["options"]["install_requires"],
              "heat": config["options.extras_require"]["heat"]}
    for top, where in _third_party_imports().items():
        assert top in IMPORTED_LIBRARIES, f"{where} imports {top}: add its requirement"
        requirement, section = IMPORTED_LIBRARIES[top]
        names = [re.split(r"[<>=!~ ;\[]", line.strip())[0].lower()
                 for line in listed[section].splitlines() if line.strip()
                 and not line.strip().startswith("#")]
        assert requirement.lower() in names, f"{where} imports {top}: {requirement} is not " \
            f"in setup.cfg's {section}"
