"""ansible-lint (default profile, offline) on every task list the template resolves to.

One rule is skipped, on purpose: ``fqcn`` (``ansible.builtin.command`` rather
than ``command``). The tasks run on every supported release's undercloud, and
Queens ships Ansible 2.5/2.6, which predates collections; short module names
run everywhere, from Ansible 2.5 to today's ansible-core (used here).
"""
import os
import subprocess

import yaml

from tests.lifecycle import harness
from tests.lifecycle.conftest import VERSIONS

# As a role's task files, so ansible-lint applies its task rules (and its
# role-prefix rule: every variable the tasks define starts with tripleo_instanceha_).
ROLE = "tripleo_instanceha"


class _IndentedDumper(yaml.SafeDumper):
    """Lists indented under their key, as yamllint's default wants; multi-line strings
    (a shell block, a file's content from get_file) as literal blocks, line for line as
    a person writes them, so line-length judges their own lines, not where a folding
    dumper happened to break them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_IndentedDumper.add_representer(str, _str)


def test_ansible_lint_passes_on_every_task_list(tmp_path, lifecycle_outputs, example):
    _plan, fencing = example
    tasks_dir = tmp_path / "roles" / ROLE / "tasks"
    tasks_dir.mkdir(parents=True)
    written = []
    for enabled in (True, False):
        outputs = lifecycle_outputs(VERSIONS[-1], EnableInstanceHA=enabled,
                                    EnableFencing=True, FencingConfig=fencing["FencingConfig"])
        for section, tasks in outputs.items():
            if not tasks:
                continue
            path = tasks_dir / f"{section}-{'enabled' if enabled else 'disabled'}.yml"
            path.write_text("---\n" + yaml.dump(tasks, Dumper=_IndentedDumper, sort_keys=False,
                                                width=100))
            written.append(str(path.relative_to(tmp_path)))
    assert len(written) == 8  # five task lists enabled, three disabled (no post tasks)
    env = dict(os.environ, NO_COLOR="1", ANSIBLE_HOME=str(tmp_path / "home"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    run = subprocess.run([harness.ANSIBLE_LINT, "--offline", "--nocolor", "--skip-list", "fqcn",
                          *written],
                         cwd=str(tmp_path), capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(written)} files processed" in run.stdout + run.stderr or \
        "Passed" in run.stdout + run.stderr, run.stdout + run.stderr
