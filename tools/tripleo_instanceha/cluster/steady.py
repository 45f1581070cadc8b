"""The status section of a cluster that has started everything and settled.

Why not let crm_simulate execute the start-up: executing a transition costs
the number of actions times the CIB's size, so a 500-compute start-up takes
minutes. Scheduling it is quick, and the schedule says everything a settled
cluster's history holds: each probe's node (the resource is not there, rc 7),
each start's node (running, rc 0) and its recurring monitors. We write that
history the way the executor records it, including the parameter digest the
scheduler compares to notice changed definitions (md5 of the sorted,
filtered parameters serialised as ``' <parameters .../>\\n'``, as pacemaker's
``calculate_operation_digest`` does), plus ``#node-unfenced`` on every node.
"""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from typing import Dict, Iterable, List, Tuple

from tripleo_instanceha.cluster.simulate import UNFENCED_STAMP, Action, Graph

FEATURE_SET = "3.16.1"
UUID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
#: Parameters the executor leaves out of the digest (besides CRM_meta_*).
NOT_DIGESTED = {"crm_feature_set", "id", "op-digest", "CRM_meta_timeout"}


def _escape(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def digest(action: Action) -> str:
    """The op-digest the executor would record for this action."""
    params = {k: v for k, v in action.attrs.items()
              if not k.startswith("CRM_meta_") and k not in NOT_DIGESTED}
    if action.interval_ms and "CRM_meta_timeout" in action.attrs:
        params["CRM_meta_timeout"] = action.attrs["CRM_meta_timeout"]
    body = " ".join(f'{k}="{_escape(v)}"' for k, v in sorted(params.items()))
    text = f" <parameters {body}/>\n" if body else " <parameters/>\n"
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - pacemaker's format, not security


def _op(parent: ET.Element, action: Action, op_id: str, rc: int, call: int, when: str) -> None:
    key = f"{call}:-1:{rc}:{UUID}"
    ET.SubElement(parent, "lrm_rsc_op", {
        "id": op_id, "operation_key": _op_key(action), "operation": action.operation,
        "crm-debug-origin": "tripleo-instanceha", "crm_feature_set": FEATURE_SET,
        "transition-key": key, "transition-magic": f"0:{rc};{key}", "exit-reason": "",
        "call-id": str(call), "rc-code": str(rc), "op-status": "0",
        "interval": str(action.interval_ms), "last-rc-change": when, "exec-time": "0",
        "queue-time": "0", "op-digest": digest(action)})


def _op_key(action: Action) -> str:
    """``rsc_op_interval`` with a clone instance's ``:N`` dropped, as history records it."""
    return f"{action.rsc}_{action.operation}_{action.interval_ms}"


def settle(cib: str, start: Graph, out: str, members: Iterable[str], remotes: Iterable[str],
           when: str) -> Dict[str, List[str]]:
    """Write ``out``: ``cib`` plus the history of the scheduled start-up; return placements."""
    tree = ET.parse(cib)
    root = tree.getroot()
    status = root.find("status")
    if status is None:
        status = ET.SubElement(root, "status")
    history: Dict[str, Dict[str, List[Tuple[Action, int]]]] = {}
    placed: Dict[str, List[str]] = {}
    for action in start.actions.values():
        if action.kind != "rsc_op" or not action.rsc or not action.node:
            continue
        per_rsc = history.setdefault(action.node, {}).setdefault(action.rsc, [])
        if action.operation == "monitor" and action.interval_ms == 0:
            per_rsc.append((action, 7))
        elif action.operation == "start":
            per_rsc.append((action, 0))
            placed.setdefault(action.rsc, []).append(action.node)
        elif action.operation == "monitor":
            per_rsc.append((action, 0))
    members = list(members)
    nodes = [(str(i), name, True) for i, name in enumerate(members, start=1)]
    nodes += [(name, name, False) for name in remotes]
    for node_id, name, member in nodes:
        attrs = {"id": node_id, "uname": name}
        if member:
            attrs.update({"in_ccm": "true", "crmd": "online", "join": "member",
                          "expected": "member", "crm-debug-origin": "tripleo-instanceha"})
        state = ET.SubElement(status, "node_state", attrs)
        lrm = ET.SubElement(state, "lrm", {"id": node_id})
        resources = ET.SubElement(lrm, "lrm_resources")
        for rsc, ops in sorted(history.get(name, {}).items()):
            agent = ops[0][0].agent
            element = ET.SubElement(resources, "lrm_resource", {"id": rsc, **agent})
            started = [(a, rc) for a, rc in ops if a.operation == "start"]
            last = started[0] if started else next((a, rc) for a, rc in ops if a.interval_ms == 0)
            _op(element, last[0], f"{rsc}_last_0", last[1], 2 if started else 1, when)
            if started:
                for action, rc in ops:
                    if action.operation == "monitor" and action.interval_ms:
                        _op(element, action, _op_key(action), rc, 3, when)
        transient = ET.SubElement(state, "transient_attributes", {"id": node_id})
        block = ET.SubElement(transient, "instance_attributes", {"id": f"status-{node_id}"})
        ET.SubElement(block, "nvpair", {"id": f"status-{node_id}-.node-unfenced",
                                        "name": "#node-unfenced", "value": UNFENCED_STAMP})
    tree.write(out)
    return placed
