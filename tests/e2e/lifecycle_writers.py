"""The CIB writes of the update tasks, taken from the lifecycle template itself.

Why from the template: the claim under test is that the tasks, as shipped,
survive ``update_serial: 25`` (THT's ComputeInstanceHA role): 25 computes run
each task at the same moment, all delegated to one controller. The tasks'
command lines are rendered here exactly as Ansible renders them for each
compute, then the live cluster runs them 25 at a time.
"""
from __future__ import annotations

import os
import re
from typing import Iterator, List, Optional, Tuple

import jinja2
import yaml

from tripleo_instanceha.paths import template_tree

LIFECYCLE = os.path.join("deployment", "pacemaker", "compute-instanceha-lifecycle.yaml")
#: What the cluster variables resolve to on a live controller (no CIB file).
VARIABLES = {"tripleo_instanceha_pcs": "pcs",
             "tripleo_instanceha_cleanup": "pcs resource cleanup",
             "tripleo_instanceha_marker": "tripleo-instanceha-maintenance"}


def _step(task: dict) -> Optional[int]:
    when = task.get("when") or []
    for cond in when if isinstance(when, list) else [when]:
        match = re.fullmatch(r"\s*step\|int\s*==\s*(\d+)\s*", str(cond))
        if match:
            return int(match.group(1))
    return None


def _tasks(node, step: Optional[int] = None) -> Iterator[Tuple[Optional[int], dict]]:
    """(step, task) of a task list, blocks flattened, in the order Ansible runs them."""
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item, step)
    elif isinstance(node, dict):
        here = _step(node)
        here = step if here is None else here
        if "block" in node:
            yield from _tasks(node["block"], here)
        elif "name" in node:
            yield here, node


def writers(output: str, step: int) -> List[dict]:
    """The tasks of an output (e.g. ``update_tasks``) that change the CIB at a step.

    A task changes the CIB when it runs a command that may report ``changed``
    (readers say ``changed_when: false``); the
    enabled branch of the output's ``if`` is the one taken with Instance HA on.
    """
    with open(os.path.join(template_tree(), LIFECYCLE), encoding="utf-8") as handle:
        template = yaml.safe_load(handle)
    value = template["outputs"][output]["value"]
    enabled = value["if"][1] if isinstance(value, dict) and "if" in value else value
    return [t for at, t in _tasks(enabled)
            if at == step and "command" in t and t.get("changed_when", True) is not False]


def render(task: dict, node: str) -> str:
    """The task's command line for one compute, as Ansible would template it."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return env.from_string(str(task["command"])).render(
        tripleo_instanceha_node=node, **VARIABLES).strip()
