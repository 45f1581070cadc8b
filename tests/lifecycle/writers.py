"""The CIB writes of the update tasks, taken from the lifecycle template itself.

Why from the template: the claim under test is that the tasks, as shipped,
survive ``update_serial: 25`` (THT's ComputeInstanceHA role): 25 computes run
each task at the same moment, all delegated to one controller. The tasks'
command lines are rendered here exactly as Ansible renders them for each
compute, then a live cluster runs them 25 at a time
(tests/lifecycle/test_concurrent_writers.py).
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
             "tripleo_instanceha_refresh": "pcs resource refresh",
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


#: the outputs of a minor update, in the order the update play runs them (the
#: template may define only some: since R1-5 it leaves maintenance in update_tasks)
UPDATE = ("update_tasks", "post_update_tasks")


def phases(outputs: Tuple[str, ...] = UPDATE) -> List[Tuple[Tuple[str, int], List[dict]]]:
    """((output, step), tasks) for every step at which the outputs change the CIB, in run order.

    A task changes the CIB when it runs a command that may report ``changed``
    (readers say ``changed_when: false``); the enabled branch of the output's
    ``if`` is the one taken with Instance HA on. Taken in run order rather than
    at fixed steps, so the test follows the template when a task moves.
    """
    with open(os.path.join(template_tree(), LIFECYCLE), encoding="utf-8") as handle:
        template = yaml.safe_load(handle)
    found: List[Tuple[Tuple[str, int], List[dict]]] = []
    for output in (o for o in outputs if o in template["outputs"]):
        value = template["outputs"][output]["value"]
        enabled = value["if"][1] if isinstance(value, dict) and "if" in value else value
        by_step: dict = {}
        for at, task in _tasks(enabled):
            if at is not None and "command" in task \
                    and task.get("changed_when", True) is not False:
                by_step.setdefault(at, []).append(task)
        found += [((output, at), by_step[at]) for at in sorted(by_step)]
    return found


def render(task: dict, node: str) -> str:
    """The task's command line for one compute, as Ansible would template it."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    return env.from_string(str(task["command"])).render(
        tripleo_instanceha_node=node, **VARIABLES).strip()
