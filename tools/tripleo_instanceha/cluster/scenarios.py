"""Failure scenarios replayed with crm_simulate, and the Instance HA chain judged on each.

The chain for a failed compute, step by step:

1. the remote connection is lost and pacemaker fences the node (a ``stonith``
   op for it in the transition graph);
2. the fencer can carry it out through a level holding a power device and
   fence-nova, both covering the node (our own check: crm_simulate ignores
   topology); fence-nova marks the host down in nova and asks for evacuation;
3. nova-evacuate, which performs the evacuation, runs on a surviving
   controller after the transition;
4. when the node returns, pacemaker unfences it (``stonith ... on``) before
   compute-unfence-trigger starts there, which lets nova-compute back in.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from tripleo_instanceha.cluster import checks, storm
from tripleo_instanceha.cluster.model import NOVA_EVACUATE, UNFENCE_TRIGGER, ClusterModel
from tripleo_instanceha.cluster.simulate import Run, Simulator
from tripleo_instanceha.cluster.steady import settle
from tripleo_instanceha.errors import InputError
from tripleo_instanceha.yamlio import atomic_write

STEADY = "steady-state"
#: Above this many remote nodes the scheduler runs on a subset (0 = never).
DEFAULT_MAX_SIM_REMOTES = 24
COMPUTE_CRASH = "compute-crash"
TWO_COMPUTES = "two-computes-crash"
COMPUTE_AND_EVACUATE_HOST = "compute-crash-evacuate-controller-lost"
CONTROLLER_LOST = "controller-lost"
COMPUTE_RETURNS = "compute-returns"
MANY_COMPUTES = "many-computes-fail"
SCENARIOS = {
    COMPUTE_CRASH: "one Instance HA compute crashes",
    TWO_COMPUTES: "two Instance HA computes crash at once",
    COMPUTE_AND_EVACUATE_HOST: "a compute crashes while the controller running nova-evacuate "
                               "is lost",
    CONTROLLER_LOST: "the controller running nova-evacuate is lost",
    COMPUTE_RETURNS: "a crashed compute comes back",
    MANY_COMPUTES: "many Instance HA computes fail at once: which the storm guard evacuates "
                   "and which it holds",
}


@dataclass
class Step:
    name: str
    ok: bool
    detail: str = ""

    def to_dict(self) -> dict:
        return {"step": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class ScenarioResult:
    name: str
    title: str
    failed: List[str] = field(default_factory=list)
    scheduled: List[str] = field(default_factory=list)
    steps: List[Step] = field(default_factory=list)
    graphs: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "failed_nodes": self.failed,
                "scheduled": self.scheduled, "chain": [s.to_dict() for s in self.steps],
                "verdict": "pass" if self.ok else "fail",
                "graphs": [os.path.basename(g) for g in self.graphs]}


class Rehearsal:
    """Brings the modelled cluster up in crm_simulate, then replays failures from there."""

    def __init__(self, model: ClusterModel, workdir: str, reconnect_interval: int = 60,
                 max_sim_remotes: int = DEFAULT_MAX_SIM_REMOTES):
        self.model = model
        #: what crm_simulate runs on: the model, or a subset of its remotes
        self.sim_model = model
        self.max_sim_remotes = max_sim_remotes
        self.sim = Simulator(workdir)
        self.reconnect = reconnect_interval
        self.findings = checks.coverage(model)
        self.cib = self.sim.path("cib.xml")
        self.steady: Optional[str] = None
        self.where: Dict[str, List[str]] = {}
        #: how many computes many-computes-fail fails (None: storm.default_failures)
        self.storm_failures: Optional[int] = None

    # -- the cluster before anything fails --------------------------------------
    def start(self) -> ScenarioResult:
        result = ScenarioResult(STEADY, "all nodes up, every resource started")
        if self.reduced:
            # cib.xml stays the whole configuration; the scheduler gets the subset
            atomic_write(self.cib, self.model.to_xml())
            self.cib = self.sim.path("cib-simulated.xml")
            result.title += (f" (scheduled with {len(self.sim_model.remotes)} of "
                             f"{len(self.model.remotes)} remote nodes: the failing ones and "
                             "identical bystanders; coverage checked on all)")
        atomic_write(self.cib, self.sim_model.to_xml())
        rc, text = self.sim.verify(self.cib)
        result.steps.append(Step("crm_verify accepts the configuration", rc == 0,
                                 _first_lines(text) if rc else ""))
        run = self.sim.simulate(self.cib, "start", online=self.sim_model.controllers,
                                execute=False)
        result.graphs.append(run.graph.path)
        self.steady = self.sim.path("steady.xml")
        self.where = settle(self.cib, run.graph, self.steady, self.sim_model.controllers,
                            self.sim_model.remotes, str(int(self.sim.clock.timestamp())))
        os.chmod(self.steady, 0o600)
        down = [n for n in self.sim_model.remotes if not self.where.get(n)]
        result.steps.append(Step("every remote connection starts", not down,
                                 f"not started: {', '.join(down)}" if down else ""))
        result.steps.append(_devices_off_their_targets(self.sim_model, self.where))
        evac = self.where.get(self.model.evacuator, [])
        if self.model.instance_ha:
            result.steps.append(_on_controllers(self.model, "nova-evacuate runs on a controller",
                                                evac, []))
            if self.model.evacuator != NOVA_EVACUATE:
                stock = self.where.get(NOVA_EVACUATE, [])
                result.steps.append(Step(
                    "puppet's nova-evacuate stays stopped (our constraint holds it)", not stock,
                    f"{NOVA_EVACUATE} runs on {', '.join(stock)} beside "
                    f"{self.model.evacuator}" if stock else ""))
            trig = set(self.where.get(UNFENCE_TRIGGER, []))
            missing = [n for n in self.sim_model.computes if n not in trig]
            result.steps.append(Step("compute-unfence-trigger runs on every Instance HA compute",
                                     not missing,
                                     f"not on: {', '.join(missing)}" if missing else ""))
        again = self.sim.simulate(self.steady, "steady", execute=False)
        result.graphs.append(again.graph.path)
        fenced = sorted({a.node or "" for a in again.graph.fencing()})
        changes = again.graph.summary()
        result.steps.append(Step("the running cluster is stable (nothing scheduled)", not changes,
                                 "; ".join(changes[:10]) if changes else ""))
        if fenced:
            result.steps[-1].detail = f"fenced: {', '.join(fenced)}"
        return result

    # -- helpers ------------------------------------------------------------------
    def _inject(self, node: str) -> str:
        host = (self.where.get(node) or self.model.controllers[:1])[0]
        return f"{node}_monitor_{self.sim_model.remote_monitor_ms(node)}@{host}=7"

    def _evacuate_host(self) -> str:
        hosts = [h for h in self.where.get(self.model.evacuator, []) if h in self.model.controllers]
        return hosts[0] if hosts else self.model.controllers[0]

    def _compute_steps(self, run: Run, node: str, lost_controllers: Sequence[str]) -> List[Step]:
        steps = []
        fence = [a for a in run.graph.fencing(node) if a.fence_action in ("reboot", "off")]
        steps.append(Step(f"pacemaker fences {node}", bool(fence),
                          "" if fence else "no stonith op for the node in the transition graph"))
        problems = checks.node_fencing(self.model, node, needs_nova=True)
        problems += [f for f in checks.errors(self.findings) if f.node is None]
        steps.append(Step(f"a fencing level of {node} pairs its power device with fence-nova",
                          not problems, "; ".join(str(p) for p in problems)))
        placed = run.graph.placement_after(self.where).get(self.model.evacuator, [])
        step = _on_controllers(self.model, "nova-evacuate runs on a surviving controller",
                               placed, list(lost_controllers) + [node])
        allowed = [f for f in self.findings if f.severity == checks.ERROR
                   and "nova-evacuate" in f.message]
        if allowed:
            step.ok = False
            step.detail = "; ".join(filter(None, [step.detail] + [str(f) for f in allowed]))
        steps.append(step)
        return steps

    def _return_steps(self, run: Run, nodes: Sequence[str], name: str) -> Tuple[Run, List[Step]]:
        after = self.sim.path(f"{name}.fenced.xml")
        os.replace(run.after, after)
        Simulator.mark_fenced(after, nodes)
        back = self.sim.simulate(after, f"{name}-return", seconds=self.reconnect + 5)
        steps = []
        for node in nodes:
            unfence = back.graph.fencing(node, "on")
            starts = back.graph.ops(UNFENCE_TRIGGER, "start", node)
            ok = bool(unfence) and bool(starts) and all(
                back.graph.depends_on(s, unfence[0]) for s in starts)
            detail = ""
            if not unfence:
                detail = "no unfencing ('stonith ... on') scheduled for the node"
            elif not starts:
                detail = "compute-unfence-trigger is not started on the node"
            elif not ok:
                detail = "compute-unfence-trigger starts before the node is unfenced"
            steps.append(Step(f"{node} is unfenced on return and compute-unfence-trigger "
                              "restarts after it", ok, detail))
        return back, steps

    # -- scenarios ----------------------------------------------------------------
    def compute_crash(self, node: str, with_return: bool = False) -> ScenarioResult:
        name = COMPUTE_RETURNS if with_return else COMPUTE_CRASH
        result = ScenarioResult(name, SCENARIOS[name], failed=[node])
        run = self.sim.simulate(self.steady, f"{name}-{node}", inject=[self._inject(node)],
                                execute=with_return)
        result.graphs.append(run.graph.path)
        result.scheduled = run.graph.summary()
        result.steps = self._compute_steps(run, node, [])
        if with_return:
            back, steps = self._return_steps(run, [node], f"{name}-{node}")
            result.graphs.append(back.graph.path)
            result.scheduled += ["-- on return --"] + back.graph.summary()
            result.steps += steps
        return result

    def two_computes(self, nodes: Sequence[str]) -> ScenarioResult:
        result = ScenarioResult(TWO_COMPUTES, SCENARIOS[TWO_COMPUTES], failed=list(nodes))
        run = self.sim.simulate(self.steady, TWO_COMPUTES, inject=[self._inject(n) for n in nodes],
                                execute=False)
        result.graphs.append(run.graph.path)
        result.scheduled = run.graph.summary()
        for node in nodes:
            result.steps += self._compute_steps(run, node, [])
        return result

    def many_computes(self, nodes: Sequence[str]) -> ScenarioResult:
        """crm_simulate fences them all; the storm guard's model says who is evacuated."""
        result = ScenarioResult(MANY_COMPUTES, SCENARIOS[MANY_COMPUTES], failed=list(nodes))
        run = self.sim.simulate(self.steady, MANY_COMPUTES,
                                inject=[self._inject(n) for n in nodes], execute=False)
        result.graphs.append(run.graph.path)
        result.scheduled = run.graph.summary()
        for node in nodes:
            result.steps += self._compute_steps(run, node, [])
        guard = storm.Guard.of(self.model)
        decision = storm.decide(guard or storm.Guard(), len(self.model.remotes), nodes)
        result.steps += [Step(name, True, detail) for name, detail in
                         storm.explain(guard, decision)]
        return result

    def compute_and_evacuate_host(self, node: str) -> ScenarioResult:
        ctrl = self._evacuate_host()
        result = ScenarioResult(COMPUTE_AND_EVACUATE_HOST, SCENARIOS[COMPUTE_AND_EVACUATE_HOST],
                                failed=[node, ctrl])
        run = self.sim.simulate(self.steady, COMPUTE_AND_EVACUATE_HOST,
                                inject=[self._inject(node)], node_fail=[ctrl], execute=False)
        result.graphs.append(run.graph.path)
        result.scheduled = run.graph.summary()
        result.steps.append(_fenced_step(run, ctrl))
        result.steps += self._compute_steps(run, node, [ctrl])
        return result

    def controller_lost(self, ctrl: Optional[str] = None) -> ScenarioResult:
        ctrl = ctrl or self._evacuate_host()
        result = ScenarioResult(CONTROLLER_LOST, SCENARIOS[CONTROLLER_LOST], failed=[ctrl])
        run = self.sim.simulate(self.steady, f"{CONTROLLER_LOST}-{ctrl}", node_fail=[ctrl],
                                execute=False)
        result.graphs.append(run.graph.path)
        result.scheduled = run.graph.summary()
        result.steps.append(_fenced_step(run, ctrl))
        problems = checks.node_fencing(self.model, ctrl, needs_nova=False)
        result.steps.append(Step(f"a fencing level can fence {ctrl}", not problems,
                                 "; ".join(str(p) for p in problems)))
        if self.model.instance_ha:
            placed = run.graph.placement_after(self.where).get(self.model.evacuator, [])
            result.steps.append(_on_controllers(self.model, "nova-evacuate runs on a "
                                                "surviving controller", placed, [ctrl]))
        computes = sorted({a.node for a in run.graph.fencing() if a.node in self.model.remotes})
        result.steps.append(Step("no compute is fenced", not computes,
                                 f"fenced: {', '.join(computes)}" if computes else ""))
        return result

    def run(self, names: Sequence[str], fail: Optional[str] = None) -> List[ScenarioResult]:
        """The steady state, then each named scenario (``fail`` picks the failing node)."""
        computes = list(self.model.computes)
        if fail is not None:
            if fail in self.model.controllers:
                names = [n for n in names if n in (CONTROLLER_LOST, COMPUTE_AND_EVACUATE_HOST)] \
                    or [CONTROLLER_LOST]
            elif fail in self.model.remotes:
                names = [n for n in names if n != CONTROLLER_LOST] \
                    or [COMPUTE_CRASH, COMPUTE_RETURNS]
                computes = [fail] + [c for c in computes if c != fail]
            else:
                raise unknown_node(self.model, fail)
        results: List[ScenarioResult] = []
        if not computes and any(n != CONTROLLER_LOST for n in names):
            results.append(ScenarioResult(COMPUTE_CRASH, SCENARIOS[COMPUTE_CRASH], steps=[Step(
                "the plan has an Instance HA compute", False,
                "no node of a role with ComputeInstanceHA and PacemakerRemote")]))
            names = [n for n in names if n == CONTROLLER_LOST]
        many = self.storm_failures or storm.default_failures(storm.Guard.of(self.model),
                                                             len(computes))
        if MANY_COMPUTES in names and computes and not 1 <= many <= len(computes):
            raise InputError.single("--storm-failures", f"{many} computes cannot fail: the "
                                    f"plan has {len(computes)} Instance HA compute(s)",
                                    field=str(many), fix=f"pass 1 to {len(computes)}")
        failing = 2 if TWO_COMPUTES in names else 1
        if MANY_COMPUTES in names:
            failing = max(failing, many)
        self._reduce(computes[:failing])
        results = [self.start()] + results
        actions: Dict[str, Callable[[], ScenarioResult]] = {
            COMPUTE_CRASH: lambda: self.compute_crash(computes[0]),
            TWO_COMPUTES: lambda: self.two_computes(computes[:2]),
            COMPUTE_AND_EVACUATE_HOST: lambda: self.compute_and_evacuate_host(computes[0]),
            CONTROLLER_LOST: lambda: self.controller_lost(
                fail if fail in self.model.controllers else None),
            COMPUTE_RETURNS: lambda: self.compute_crash(computes[0], with_return=True),
            MANY_COMPUTES: lambda: self.many_computes(computes[:many]),
        }
        for name in names:
            if name == TWO_COMPUTES and len(computes) < 2:
                results.append(ScenarioResult(name, SCENARIOS[name], steps=[Step(
                    "the plan has two Instance HA computes", False,
                    f"only {len(computes)} Instance HA compute(s)")]))
                continue
            if name == COMPUTE_AND_EVACUATE_HOST and fail in self.model.controllers:
                results.append(self._with_controller(fail, computes[0]))
                continue
            results.append(actions[name]())
        return results

    def _reduce(self, failing: Sequence[str]) -> None:
        """Simulate on the failing remotes plus bystanders, up to max_sim_remotes."""
        remotes = self.model.remotes
        if not self.max_sim_remotes or len(remotes) <= self.max_sim_remotes:
            return
        size = max(self.max_sim_remotes, len(failing))
        keep = list(dict.fromkeys(list(failing) + list(remotes)))[:size]
        self.sim_model = self.model.subset(keep)

    @property
    def reduced(self) -> bool:
        return self.sim_model is not self.model

    def _with_controller(self, ctrl: str, node: str) -> ScenarioResult:
        original = self.where.get(self.model.evacuator)
        self.where[self.model.evacuator] = [ctrl]
        try:
            return self.compute_and_evacuate_host(node)
        finally:
            if original is None:
                self.where.pop(self.model.evacuator, None)
            else:
                self.where[self.model.evacuator] = original


def unknown_node(model: ClusterModel, node: str) -> InputError:
    names = ", ".join(model.nodes) or "none"
    return InputError.single("--fail", f"'{node}' is not a node of the cluster",
                             field=node, fix=f"name one of: {names} (plain computes without "
                             "PacemakerRemote are not cluster nodes)")


def _fenced_step(run: Run, node: str) -> Step:
    fence = run.graph.fencing(node)
    return Step(f"pacemaker fences {node}", bool(fence),
                "" if fence else "no stonith op for the node in the transition graph")


def _on_controllers(model: ClusterModel, name: str, placed: List[str],
                    lost: Sequence[str]) -> Step:
    good = [n for n in placed if n in model.controllers and n not in lost]
    if placed and len(good) == len(placed):
        return Step(name, True, f"on {', '.join(placed)}")
    if not placed:
        return Step(name, False, f"{model.evacuator} is not started anywhere")
    return Step(name, False, f"{model.evacuator} is on {', '.join(placed)}, not a surviving "
                             "controller")


def _devices_off_their_targets(model: ClusterModel, where: Dict[str, List[str]]) -> Step:
    """A node's stonith device runs elsewhere: a node cannot be fenced through itself.

    puppet-pacemaker's avoid constraint (score 10000, not INFINITY) keeps it
    off when another member can run it. A single controller has no avoid
    constraint and nowhere else to run its device: said, not failed.
    """
    own = [f"{p.id} on {node}" for p in model.stonith if p.owner
           for node in where.get(p.id, []) if node in p.host_list]
    name = "no stonith device runs on the node it fences"
    if len(model.controllers) < 2:
        return Step(name, True, "one controller: its device runs on it (no other member, "
                                "so puppet-pacemaker adds no avoid constraint)" if own else "")
    return Step(name, not own, "; ".join(own[:10]))


def _first_lines(text: str, count: int = 5) -> str:
    return " / ".join(text.splitlines()[:count])
