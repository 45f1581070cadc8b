"""The cluster stacks that judge every test touching pacemaker.

Why two: operators run RHOSP 16.2 (RHEL 8.4: pacemaker 2.0.5, pcs 0.10.8) and
RHOSP 17.1 (RHEL 9.2: pacemaker 2.1.5, pcs 0.11), and the two differ where it
hurts (``crm_resource --get-parameter`` exits 105 on 2.0.5 for an absent
attribute, 0 on 2.1.5; 2.0.5 refuses 2.1's CIB schema). The host (Debian 12)
is the 2.1.5 stack; a Debian 11 root built by ``tools/stack-root.sh`` is the
2.0.5 stack. Both are Debian's builds of the same upstream versions, not
RHEL's packages with their backports.

A stack is selected by putting a folder of shims first in PATH: each shim
runs the same-named tool inside the root, so the product's code, ansible's
tasks and the tests' own calls all reach that stack's tools unchanged.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from tripleo_instanceha.cluster import stacks as product_stacks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACK_ROOT = os.path.join(ROOT, "tools", "stack-root.sh")
#: every pacemaker/pcs program the product, the tasks and the tests run
TOOLS = ("pcs", "crm_simulate", "crm_verify", "crm_resource", "crm_attribute", "crm_mon",
         "cibadmin", "crm_node", "crm_diff", "crm_failcount", "crm_rule", "crm_shadow",
         "crm_standby", "crm_ticket", "crm_error")


@dataclass(frozen=True)
class JudgeStack:
    """One cluster stack as the test suite runs it."""

    #: the product's view of it (its CIB schema and feature set)
    product: product_stacks.ClusterStack
    #: where its tools come from, for the summary line
    origin: str
    #: None for the host's own tools
    root: Optional[str] = None
    #: the folder of shims put first in PATH (None for the host)
    shims: Optional[str] = None

    @property
    def id(self) -> str:
        return f"pcmk-{self.product.pacemaker}"

    @property
    def pacemaker(self) -> str:
        return self.product.pacemaker


HOST = "Debian 12 host"
BULLSEYE = "Debian 11 root (tools/stack-root.sh)"
KEYS = ("17.1", "16.2")


def bullseye_root() -> str:
    """The built root's path; a clear failure (never a skip) when it is missing."""
    run = subprocess.run(["bash", STACK_ROOT, "path"], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"the pacemaker 2.0.5 judge is missing: no Debian 11 root at "
                           f"{run.stdout.strip()} (fix: bash tools/setup-env.sh stacks, as root)")
    return run.stdout.strip()


def judge(key: str) -> JudgeStack:
    product = product_stacks.STACKS[key]
    if key == "16.2":
        return JudgeStack(product, BULLSEYE, bullseye_root())
    return JudgeStack(product, HOST)


def write_shims(stack: JudgeStack, directory: str) -> str:
    """A folder whose tools run inside the stack's root (empty for the host)."""
    os.makedirs(directory, exist_ok=True)
    if stack.root:
        for name in TOOLS:
            path = os.path.join(directory, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(f'#!/bin/sh\nexec bash {STACK_ROOT} run {name} "$@"\n')
            os.chmod(path, 0o755)
    return directory


def with_shims(stack: JudgeStack, directory: str) -> JudgeStack:
    """The stack, with its shims written into ``directory`` (the host needs none)."""
    if not stack.root:
        return stack
    return JudgeStack(stack.product, stack.origin, stack.root, write_shims(stack, directory))


@contextlib.contextmanager
def active(stack: JudgeStack) -> Iterator[JudgeStack]:
    """Inside: this stack's tools come first in PATH and it is the product's default
    target stack. Scoped to the block, so tests that do not ask for a stack never
    run on one left over from the tests before them."""
    old_path, old_default = os.environ["PATH"], product_stacks.DEFAULT
    if stack.shims:
        os.environ["PATH"] = stack.shims + os.pathsep + old_path
    product_stacks.DEFAULT = stack.product
    try:
        yield stack
    finally:
        os.environ["PATH"] = old_path
        product_stacks.DEFAULT = old_default


def version_on_path(env: Dict[str, str]) -> str:
    run = subprocess.run(["crm_simulate", "--version"], capture_output=True, text=True,
                         env=env, timeout=60)
    # 2.0.5 prints its version on stderr, 2.1.5 on stdout
    words = (run.stdout + run.stderr).split()
    return words[1] if len(words) > 1 else f"unknown ({run.stdout}{run.stderr})"


def mounts_under(root: str) -> List[str]:
    """Mount points inside ``root`` seen from here (must stay empty: shims mount privately)."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            point = line.split()[4]
            if point == root or point.startswith(root.rstrip("/") + "/"):
                found.append(point)
    return found
