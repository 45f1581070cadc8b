"""Running pacemaker's offline tools and reading what they decide.

Why: ``crm_simulate`` is pacemaker's real scheduler; what it puts in the
transition graph is what a live cluster would do. We only prepare its input
the way a running cluster would have it and read its graph:

- ``have-quorum="1"`` on the CIB (the model sets it), or every start is blocked;
- the ``#node-unfenced`` transient attribute on every node once the cluster
  is up, because fence-nova provides unfencing and crm_simulate does not
  record unfencing (without it every run schedules ``Fence (on)`` for all);
- a remote node is failed by injecting a failed monitor (rc 7) on its
  connection resource: ``--node-fail`` on a remote node is a no-op;
- after fencing a remote node the controller marks its node_state
  ``node_fenced="1"``; crm_simulate does not, so we do (otherwise the next run
  fences it again instead of reconnecting).
"""
from __future__ import annotations

import datetime
import functools
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from tripleo_instanceha.errors import InstanceHAError, ToolMissingError

PACKAGE = "pacemaker-cli-utils"
#: Pacemaker's tools live in sbin, which a normal user's PATH on Debian lacks.
SBIN_DIRS = "/usr/sbin:/sbin"
#: What the unfenced marker holds; any epoch works, the scheduler only tests presence.
UNFENCED_STAMP = "1700000000"


class SimulationError(InstanceHAError):
    """crm_simulate refused the CIB or failed (the message carries its stderr)."""


def tool(name: str) -> str:
    path = shutil.which(name) or (SBIN_DIRS and shutil.which(name, path=SBIN_DIRS))
    if not path:
        raise ToolMissingError(name, PACKAGE)
    return path


def pacemaker_version() -> str:
    """The version of the crm_simulate on PATH (what judges a rehearsal here)."""
    try:
        return _version_of(tool("crm_simulate"))
    except ToolMissingError:
        return "unknown"


@functools.lru_cache(maxsize=8)
def _version_of(crm_simulate: str) -> str:
    """Asked once per program: a report names the version in several places."""
    try:
        run = subprocess.run([crm_simulate, "--version"], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = (run.stdout + run.stderr).split()  # 2.0.5 prints it on stderr
    return words[1] if len(words) > 1 and words[0] == "Pacemaker" else "unknown"


@dataclass
class Action:
    """One action of a transition graph."""

    id: str
    kind: str  # rsc_op, crm_event, pseudo_event
    operation: str
    key: str
    node: Optional[str]
    rsc: Optional[str]
    inputs: List[str] = field(default_factory=list)
    #: the action's parameters as the scheduler passes them (CRM_meta_* included)
    attrs: Dict[str, str] = field(default_factory=dict, repr=False)
    #: class, provider, type of the resource
    agent: Dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def interval_ms(self) -> int:
        return int(self.attrs.get("CRM_meta_interval", "0") or 0)

    @property
    def fence_action(self) -> Optional[str]:
        """'reboot', 'off' or 'on' for a stonith event, else None."""
        if self.operation != "stonith":
            return None
        return self.key.rsplit("-", 1)[-1]


@dataclass
class Graph:
    """A transition graph (``crm_simulate -G``)."""

    actions: Dict[str, Action]
    path: Optional[str] = None

    @classmethod
    def parse(cls, path: str) -> "Graph":
        root = ET.parse(path).getroot()
        actions: Dict[str, Action] = {}
        for synapse in root.iter("synapse"):
            action_set = synapse.find("action_set")
            if action_set is None:
                continue
            inputs = [t.get("id", "") for trig in synapse.iter("trigger") for t in trig]
            for element in action_set:
                prim = element.find("primitive")
                attrs = element.find("attributes")
                rsc, agent = None, {}
                if prim is not None:
                    rsc = prim.get("id")
                    agent = {k: v for k, v in prim.attrib.items()
                             if k in ("class", "provider", "type")}
                action = Action(element.get("id", ""), element.tag, element.get("operation", ""),
                                element.get("operation_key", ""), element.get("on_node"), rsc,
                                inputs, dict(attrs.attrib) if attrs is not None else {}, agent)
                actions[action.id] = action
        return cls(actions, path)

    def fencing(self, node: Optional[str] = None, action: Optional[str] = None) -> List[Action]:
        return [a for a in self.actions.values() if a.operation == "stonith"
                and (node is None or a.node == node)
                and (action is None or a.fence_action == action)]

    def ops(self, rsc: str, operation: str, node: Optional[str] = None) -> List[Action]:
        return [a for a in self.actions.values() if a.rsc == rsc and a.operation == operation
                and a.kind == "rsc_op" and (node is None or a.node == node)]

    def depends_on(self, action: Action, other: Action) -> bool:
        """Whether ``action`` waits (directly or through others) for ``other``."""
        seen, todo = set(), list(action.inputs)
        while todo:
            current = todo.pop()
            if current == other.id:
                return True
            if current in seen or current not in self.actions:
                continue
            seen.add(current)
            todo.extend(self.actions[current].inputs)
        return False

    def placement_after(self, before: Dict[str, List[str]]) -> Dict[str, List[str]]:
        """Where resources run once this transition is done, from where they ran before."""
        fenced = {a.node for a in self.fencing() if a.fence_action in ("reboot", "off")}
        after = {rsc: [n for n in nodes if n not in fenced] for rsc, nodes in before.items()}
        for a in self.actions.values():
            if a.kind == "rsc_op" and a.rsc and a.operation == "stop":
                after[a.rsc] = [n for n in after.get(a.rsc, []) if n != a.node]
        for a in self.actions.values():
            if a.kind == "rsc_op" and a.rsc and a.operation == "start":
                after.setdefault(a.rsc, []).append(a.node or "")
        return after

    def summary(self) -> List[str]:
        """Readable lines: what pacemaker schedules, fencing first."""
        lines = []
        for a in sorted(self.fencing(), key=lambda a: a.node or ""):
            lines.append(f"fence ({a.fence_action}) {a.node}")
        moves: Dict[str, Dict[str, List[str]]] = {}
        remotes = set()
        for a in self.actions.values():
            if a.kind == "rsc_op" and a.operation in ("start", "stop") and a.rsc:
                moves.setdefault(a.rsc, {}).setdefault(a.operation, []).append(a.node or "?")
                if a.agent.get("type") == "remote":
                    remotes.add(a.rsc)
        for rsc in sorted(moves):
            ops = moves[rsc]
            label = f"remote connection {rsc}" if rsc in remotes else rsc
            if len(ops.get("start", [])) == 1 and len(ops.get("stop", [])) == 1:
                lines.append(f"move {label}: {ops['stop'][0]} -> {ops['start'][0]}")
                continue
            for operation in ("stop", "start"):
                for node in sorted(ops.get(operation, [])):
                    lines.append(f"{operation} {label} on {node}")
        return lines


@dataclass
class Run:
    """One crm_simulate run: its graph, the state it leads to and its text summary."""

    graph: Graph
    after: str
    text: str


class Simulator:
    """Runs crm_simulate/crm_verify/crm_mon on CIB files in one working directory."""

    def __init__(self, workdir: str, clock: Optional[datetime.datetime] = None):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.crm_simulate = tool("crm_simulate")
        self.clock = clock or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    def path(self, name: str) -> str:
        return os.path.join(self.workdir, name)

    def _run(self, argv: Sequence[str], env: Optional[dict] = None) -> subprocess.CompletedProcess:
        full_env = dict(os.environ)
        # -t and the history's epochs must agree whatever the machine's zone
        full_env["TZ"] = "UTC"
        full_env.update(env or {})
        # crm_simulate writes files next to nothing else; keep its temp files in our dir
        full_env.setdefault("TMPDIR", self.workdir)
        return subprocess.run(list(argv), capture_output=True, text=True, env=full_env,
                              cwd=self.workdir, timeout=300, umask=0o077)

    def verify(self, cib: str) -> Tuple[int, str]:
        """crm_verify's exit code and messages (0 = clean)."""
        run = self._run([tool("crm_verify"), "-x", cib, "-V"])
        return run.returncode, (run.stdout + run.stderr).strip()

    def simulate(self, cib: str, name: str, online: Iterable[str] = (),
                 inject: Iterable[str] = (), node_fail: Iterable[str] = (),
                 seconds: int = 0, execute: bool = True) -> Run:
        """One transition from ``cib``; ``seconds`` after the scenario's start time.

        With ``execute`` crm_simulate also carries the transition out and
        writes the state it leads to; that costs time in proportion to the
        number of actions times the CIB's size, so large start-ups only schedule.
        """
        graph = self.path(f"{name}.graph.xml")
        after = self.path(f"{name}.after.xml")
        when = (self.clock + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
        argv = [self.crm_simulate, "-x", cib, "-G", graph, "-t", when]
        if execute:
            argv += ["-S", "-O", after]
        for node in online:
            argv += ["-u", node]
        for node in node_fail:
            argv += ["--node-fail", node]
        for op in inject:
            argv += ["--op-inject", op]
        run = self._run(argv)
        if run.returncode != 0 or not os.path.exists(graph):
            message = (run.stderr or run.stdout).strip().splitlines()
            raise SimulationError(f"crm_simulate failed on {os.path.basename(cib)} "
                                  f"(rc {run.returncode}): " + " / ".join(message[-5:]))
        for path in (graph, after):
            if os.path.exists(path):
                # pacemaker sets its own umask; these hold the CIB's passwords
                os.chmod(path, 0o600)
        return Run(Graph.parse(graph), after, run.stdout)

    def placement(self, cib: str) -> Dict[str, List[str]]:
        """Resource id -> nodes it is started on, from crm_mon on a CIB file."""
        run = self._run([tool("crm_mon"), "-1", "--output-as=xml"], env={"CIB_file": cib})
        if run.returncode != 0:
            raise SimulationError(f"crm_mon could not read {os.path.basename(cib)}: "
                                  + run.stderr.strip())
        root = ET.fromstring(run.stdout)
        result: Dict[str, List[str]] = {}
        for res in root.iter("resource"):
            if res.get("role") not in ("Started", "Promoted", "Unpromoted"):
                continue
            rid = res.get("id", "").split(":")[0]
            for node in res.iter("node"):
                result.setdefault(rid, []).append(node.get("name", ""))
        return result

    # -- state edits a live cluster would make ------------------------------------
    @staticmethod
    def mark_unfenced(cib: str, nodes: Iterable[str]) -> None:
        """Give nodes the ``#node-unfenced`` attribute, as the fencer does after unfencing."""
        tree = ET.parse(cib)
        status = tree.getroot().find("status")
        wanted = set(nodes)
        for state in status.findall("node_state"):
            name = state.get("uname") or state.get("id")
            if name not in wanted:
                continue
            node_id = state.get("id")
            transient = state.find("transient_attributes")
            if transient is None:
                transient = ET.SubElement(state, "transient_attributes", {"id": node_id})
            attrs = transient.find("instance_attributes")
            if attrs is None:
                attrs = ET.SubElement(transient, "instance_attributes",
                                      {"id": f"status-{node_id}"})
            if not any(nv.get("name") == "#node-unfenced" for nv in attrs.findall("nvpair")):
                ET.SubElement(attrs, "nvpair", {"id": f"status-{node_id}-.node-unfenced",
                                                "name": "#node-unfenced",
                                                "value": UNFENCED_STAMP})
        tree.write(cib)

    @staticmethod
    def mark_fenced(cib: str, nodes: Iterable[str]) -> None:
        """Set ``node_fenced`` on fenced remote nodes, as the controller does."""
        tree = ET.parse(cib)
        wanted = set(nodes)
        for state in tree.getroot().find("status").findall("node_state"):
            if (state.get("uname") or state.get("id")) in wanted:
                state.set("node_fenced", "1")
        tree.write(cib)
