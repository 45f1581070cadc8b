"""Run THT's own tools on a tree: process-templates.py and yaml-validate.py.

Why THT's own tools: they are what an operator's deployment and THT's CI
run; a check we wrote ourselves would only judge our YAML by our reading of it.
Both scripts need only PyYAML and Jinja2, so they run with this interpreter.
The rendered tree is cached here too, since both `prepare` and validate's
composed-overcloud rule hand the same rendering to Heat.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

import yaml

from tripleo_instanceha import fileio
from tripleo_instanceha.errors import InstanceHAError
from tripleo_instanceha.paths import cache_dir
from tripleo_instanceha.yamlio import load_file, read_text

#: Folders of a THT tree that are not templates (THT's own tox skips them too).
DEFAULT_SKIP_DIRS = (".tox", "releasenotes", "zuul.d", "tripleo_heat_templates.egg-info")


#: Runs a THT tool with PyYAML >= 6, whose yaml.load() has no default Loader
#: any more (Queens' tools call it without one). The safe loader is supplied
#: only when the tool gives none, so later releases run unchanged.
_PYYAML_SHIM = """\
import runpy, sys, yaml
_load = yaml.load
def load(stream, Loader=yaml.SafeLoader, **kwargs):
    return _load(stream, Loader=Loader, **kwargs)
yaml.load = load
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


class THTToolError(InstanceHAError):
    """A THT tool failed; the message carries its output's tail."""


@dataclass
class ToolRun:
    """One run of a THT tool."""

    command: List[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def errors(self) -> List[str]:
        """The lines the tool reported as errors (warnings are left out)."""
        return [line for line in self.output.splitlines()
                if "error" in line.lower() and "warning" not in line.lower()]

    def check(self, what: str) -> "ToolRun":
        if not self.ok:
            raise THTToolError(f"{what} failed (exit {self.returncode}):\n"
                               + "\n".join(self.output.splitlines()[-40:]))
        return self


def _run(cmd: List[str], cwd: str) -> ToolRun:
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    return ToolRun(cmd, proc.returncode, proc.stdout)


def network_data_file(tree: str) -> str:
    """The release's default network data (its name changed in Wallaby)."""
    for name in ("network_data_default.yaml", "network_data.yaml"):
        path = os.path.join(tree, name)
        if os.path.isfile(path):
            return path
    raise THTToolError(f"{tree}: no network_data_default.yaml or network_data.yaml")


def roles_file(tree: str, names: Sequence[str], dest: str) -> str:
    """Write a roles_data file made of the tree's roles/<name>.yaml, in that order."""
    roles: list = []
    for name in names:
        data = load_file(os.path.join(tree, "roles", f"{name}.yaml"))
        roles.extend(data if isinstance(data, list) else [data])
    with open(dest, "w", encoding="utf-8") as handle:
        yaml.safe_dump(roles, handle, default_flow_style=False, sort_keys=False)
    return dest


def render(tree: str, roles: str, output_dir: Optional[str] = None,
           network_data: Optional[str] = None, check: bool = True) -> ToolRun:
    """Render the tree's jinja templates for `roles` (in place unless `output_dir`)."""
    cmd = [sys.executable, "-c", _PYYAML_SHIM, os.path.join(tree, "tools", "process-templates.py"),
           "-p", tree, "-r", os.path.abspath(roles),
           "-n", os.path.abspath(network_data or network_data_file(tree))]
    if output_dir:
        cmd += ["-o", os.path.abspath(output_dir)]
    run = _run(cmd, tree)
    return run.check("process-templates.py") if check else run


def _supports_skip_dir(script: str) -> bool:
    with open(script, encoding="utf-8") as handle:
        return "--skip-dir" in handle.read()


def yaml_validate(tree: str, skip_dirs: Iterable[str] = DEFAULT_SKIP_DIRS,
                  quiet: bool = True, check: bool = False,
                  paths: Sequence[str] = (".",)) -> ToolRun:
    """Run the tree's tools/yaml-validate.py over the whole tree, from its root.

    `paths` narrows the run to some folders (spelled ``./folder``, as the
    validator's exclusion lists are), e.g. for a quick cross-file check.

    Releases whose validator takes ``--skip-dir`` get them (18.0.0 crashes
    without one). Older ones take no such option and are run on ``.`` as
    their tox does: their exclusion lists are spelled ``./path``.
    """
    script = os.path.join(tree, "tools", "yaml-validate.py")
    cmd = [sys.executable, "-c", _PYYAML_SHIM, script]
    if quiet:
        cmd.append("-q")
    if _supports_skip_dir(script):
        for name in skip_dirs:
            cmd += ["--skip-dir", name]
    cmd += list(paths)
    run = _run(cmd, tree)
    return run.check("yaml-validate.py") if check else run


def rendered_tree(templates: str, roles_file: str) -> Tuple[str, bool]:
    """THT rendered for these roles by its own process-templates.py, cached by content.

    The rendered tree depends only on the release and the roles, so runs for
    5 or 500 nodes with the same roles reuse one tree.
    """
    key = hashlib.sha256((os.path.realpath(templates) + "\0" + read_text(roles_file))
                         .encode("utf-8")).hexdigest()[:20]
    base = os.path.join(cache_dir(), "rendered")
    final = os.path.join(base, key)
    if os.path.isfile(os.path.join(final, "overcloud.yaml")):
        return final, True
    os.makedirs(base, exist_ok=True)
    fileio.sweep(base)  # renders a SIGKILL cut short
    with fileio.private_tempdir(key, parent=base) as work:
        out = os.path.join(work, "tree")
        render(templates, roles_file, output_dir=out)
        try:
            os.rename(out, final)
        except OSError:
            if not os.path.isfile(os.path.join(final, "overcloud.yaml")):
                raise
    return final, False
