"""What upstream's own templates run at the paths our tree replaces, we run too.

Laying our tree onto a release replaces files upstream ships (Train's
deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml carries the
LP#1905033 corosync.conf fix in its upgrade_tasks). For every release and
every such file, each task entry upstream's role_data holds must appear in
our resolved task lists, whole (module, arguments, conditions, blocks), with
only the task names and the names of registered variables (ours carry the
role prefix ansible-lint asks for) left out of the comparison. A drop must
be listed below with its reason.
"""
import os
import re

import pytest
import yaml

from tripleo_instanceha import tht
from tripleo_instanceha.paths import TREE_DIRS, template_tree

from tests.lifecycle.conftest import VERSIONS

#: (release, path, section, upstream task name) -> why we do not run it
DELIBERATE_DROPS = {}


def _shipped_paths():
    tree = template_tree()
    for top in TREE_DIRS:
        for dirpath, _dirs, files in os.walk(os.path.join(tree, top)):
            for name in files:
                if name.endswith(".yaml"):
                    yield os.path.relpath(os.path.join(dirpath, name), tree)


def _normalise(tasks):
    """Task entries without names; registered variables renamed by order of appearance."""
    registered = []

    def collect(node):
        if isinstance(node, dict):
            if isinstance(node.get("register"), str):
                registered.append(node["register"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    def rewrite(node):
        if isinstance(node, dict):
            return {k: rewrite(v) for k, v in node.items() if k != "name"}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        if isinstance(node, str):
            for index, var in enumerate(registered):
                node = re.sub(rf"\b{re.escape(var)}\b", f"REGISTERED{index}", node)
        return node

    out = []
    for task in tasks:
        registered.clear()
        collect(task)
        out.append(rewrite(task))
    return out


def _upstream_sections(version):
    base = tht.fetch(version)
    for rel in sorted(_shipped_paths()):
        path = os.path.join(base, rel)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        if not isinstance(data, dict):  # a roles file
            continue
        role_data = ((data.get("outputs") or {}).get("role_data") or {}).get("value") or {}
        for section, tasks in role_data.items():
            if section.endswith("_tasks"):
                yield rel, section, tasks


@pytest.mark.parametrize("version", VERSIONS)
def test_we_run_every_task_upstream_runs_at_the_paths_we_replace(version, lifecycle_outputs,
                                                                 example):
    _plan, fencing = example
    ours = {enabled: lifecycle_outputs(version, EnableInstanceHA=enabled,
                                       EnableFencing=fencing["EnableFencing"],
                                       FencingConfig=fencing["FencingConfig"])
            for enabled in (True, False)}
    compared = 0
    for rel, section, tasks in _upstream_sections(version):
        assert isinstance(tasks, list), f"{version} {rel} {section}: not a plain list; " \
            "extend this test to resolve it"
        for task, normal in zip(tasks, _normalise(tasks)):
            key = (version, rel, section, task.get("name"))
            if key in DELIBERATE_DROPS:
                continue
            for enabled, outputs in ours.items():
                assert normal in _normalise(outputs.get(section) or []), (
                    f"THT {version} {rel} runs {section} task {task.get('name')!r}; ours "
                    f"(EnableInstanceHA {enabled}) does not")
            compared += 1
    # Train is where upstream had tasks (the LP#1905033 fix); later releases dropped them
    assert compared == (1 if version == "11.6.0" else 0)


#: Where each release's tripleo-packages service lives (the registry's TripleoPackages)
PACKAGES = {"8.4.1": "puppet/services/tripleo-packages.yaml"}
PACKAGES_DEFAULT = "deployment/tripleo-packages/tripleo-packages-baremetal-puppet.yaml"


def _step_of(task):
    when = task.get("when") or []
    for cond in when if isinstance(when, list) else [when]:
        match = re.fullmatch(r"""\s*step(?:\|int\s*==\s*(\d+)|\s*==\s*["'](\d+)["'])\s*""",
                             str(cond))
        if match:
            return int(match.group(1) or match.group(2))
    return None


def _updates_every_package(task):
    """yum/dnf/package on '*', or (18.0.0) the tripleo_packages role's update.yml."""
    for module in ("yum", "dnf", "package"):
        args = task.get(module)
        if isinstance(args, str) and re.search(r"(^|\s)name=\*(\s|$)", args):
            return True
        if isinstance(args, dict) and args.get("name") == "*":
            return True
    role = task.get("include_role") or {}
    return role.get("name") == "tripleo_packages" and role.get("tasks_from") == "update.yml"


def _maintenance_steps(tasks, verb):
    return sorted(_step_of(t) for t in tasks if t.get("name", "").startswith(verb)
                  and "never" not in (t.get("tags") or []))


@pytest.mark.parametrize("version", VERSIONS)
def test_maintenance_brackets_the_package_step_of_every_release(version, lifecycle_outputs,
                                                                example):
    """Entered before tripleo-packages updates pacemaker-remote, left right after it (R1-5).

    Leaving it later would hold it through the host deploy steps, whose CIB
    calls from the compute fail while pacemaker does not reconnect it.
    """
    _plan, fencing = example
    ours = lifecycle_outputs(version, EnableInstanceHA=True,
                             EnableFencing=fencing["EnableFencing"],
                             FencingConfig=fencing["FencingConfig"])
    path = os.path.join(tht.fetch(version), PACKAGES.get(version, PACKAGES_DEFAULT))
    with open(path, encoding="utf-8") as handle:
        role_data = yaml.safe_load(handle)["outputs"]["role_data"]["value"]
    for section in ("update_tasks", "upgrade_tasks"):
        steps = {_step_of(t) for t in role_data[section] if _updates_every_package(t)
                 and "never" not in (t.get("tags") or [])}
        assert steps == {3}, (version, path, section, steps)
        assert _maintenance_steps(ours[section], "Put ") == [1], (version, section)
        assert _maintenance_steps(ours[section], "Take ") == [4], (version, section)
