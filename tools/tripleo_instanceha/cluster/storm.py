"""The storm guard of nova-evacuate-iha, modelled: which of k failed computes go, which wait.

Why a model of our own: crm_simulate schedules pacemaker's actions (fencing,
placement) but never runs a resource agent, so it cannot say what the agent's
worker decides once the computes are fenced. This module repeats the agent's
decision (``evacuation_allowed`` in
deployment/pacemaker/ocf/tripleo-instanceha/NovaEvacuate; the rules in
doc/source/evacuation-agent.rst, "Storm guard") for computes that fail
together, with the parameters the lifecycle tasks give the resource:

* a storm is ``count * 100 > storm_threshold * computes``; in one, only the
  first ``floor(storm_threshold * computes / 100)`` failures may be evacuated
  (oldest failure first, then host name: computes failing together are
  ordered by name); every other one is held until an operator releases it;
  ``storm_threshold`` 0 turns the guard off and every failure may go;
* ``max_per_pass`` (0: no limit) then lets at most that many start per
  worker pass, one pass every ``poll_interval`` seconds: a cap delays, it
  never holds.

The kill switch and operators' holds are records set mid-incident, not plan
parameters, so they are left out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from tripleo_instanceha.cluster.model import (EVACUATE_IHA, EVACUATE_POLL_DEFAULT, STORM_PARAMS,
                                              ClusterModel)
from tripleo_instanceha.plan import parameters as P

#: Said wherever the model's answer is shown, so nobody mistakes it for the scheduler's.
DISCLAIMER = ("the project's own model of nova-evacuate-iha's storm guard, not crm_simulate "
              "(which never runs a resource agent)")


def _whole(value: object, default: int) -> int:
    try:
        return int(float(str(value).rstrip("s")))
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class Guard:
    """The guard's parameters as nova-evacuate-iha holds them."""

    threshold: int = 0
    window: int = P.TUNABLES["InstanceHAStormWindow"].default
    cap: int = 0
    poll: int = EVACUATE_POLL_DEFAULT

    @classmethod
    def of(cls, cluster: ClusterModel) -> Optional["Guard"]:
        """The guard of the model's nova-evacuate-iha; None when only puppet's agent runs."""
        ours = cluster.primitive(EVACUATE_IHA)
        if ours is None:
            return None
        params = ours.params
        values: Dict[str, int] = {
            name: _whole(params.get(name), P.TUNABLES[tunable].default)
            for name, tunable in STORM_PARAMS.items()}
        return cls(threshold=values["storm_threshold"], window=values["storm_window"],
                   cap=values["max_per_pass"],
                   poll=_whole(params.get("poll_interval"), EVACUATE_POLL_DEFAULT))

    def allowance(self, computes: int) -> int:
        """How many failures within the window a storm still evacuates."""
        return self.threshold * computes // 100

    def holds_a_single_failure(self, computes: int) -> bool:
        """Guard on and one failure already above the threshold: nothing is ever evacuated
        without an operator."""
        return self.threshold > 0 and 100 > self.threshold * computes

    def describe(self) -> str:
        guard = (f"storm_threshold {self.threshold}% (InstanceHAStormThreshold), window "
                 f"{self.window}s (InstanceHAStormWindow)") if self.threshold else \
            "storm guard off (InstanceHAStormThreshold 0)"
        cap = (f"at most {self.cap} evacuation(s) per {self.poll}s pass "
               "(InstanceHAEvacuationsPerPass)") if self.cap else "no cap per pass"
        return f"{guard}; {cap}"


@dataclass
class Decision:
    """What the agent does with computes that failed together."""

    computes: int
    failed: List[str]
    allowance: int
    storm: bool
    #: evacuations by worker pass: passes[0] starts at once, passes[i] i polls later
    passes: List[List[str]] = field(default_factory=list)
    #: fenced, evacuation held until an operator releases it
    held: List[str] = field(default_factory=list)

    @property
    def evacuated(self) -> List[str]:
        return [host for batch in self.passes for host in batch]


def decide(guard: Guard, computes: int, failed: Sequence[str],
           failed_at: Optional[Dict[str, int]] = None) -> Decision:
    """The agent's decision for these failures (within one window).

    `failed_at` gives each host's first-failure time; hosts that failed
    together share one, so the host name orders them.
    """
    times = {host: (failed_at or {}).get(host, 0) for host in failed}
    ordered = [host for _t, host in sorted((times[h], h) for h in dict.fromkeys(failed))]
    allowance = guard.allowance(computes)
    storm = guard.threshold > 0 and len(ordered) * 100 > guard.threshold * computes
    allowed = ordered[:allowance] if storm else ordered
    held = ordered[allowance:] if storm else []
    size = guard.cap or max(len(allowed), 1)
    passes = [allowed[i:i + size] for i in range(0, len(allowed), size)]
    return Decision(computes, ordered, allowance, storm, passes, held)


def default_failures(guard: Optional[Guard], computes: int) -> int:
    """How many computes the scenario fails when not told: the smallest storm that shows the
    guard holding one, and one more than the cap, so both effects appear (at least 2)."""
    wanted = 2
    if guard is not None:
        if guard.threshold:
            wanted = max(wanted, guard.allowance(computes) + 1)
        if guard.cap:
            wanted = max(wanted, guard.cap + 1)
    return max(1, min(computes, wanted))


def explain(guard: Optional[Guard], decision: Decision) -> List[Tuple[str, str]]:
    """(step name, detail) lines of the scenario: what goes when, and what waits."""
    k, n = len(decision.failed), decision.computes
    if guard is None:
        return [("puppet's nova-evacuate (no storm guard) evacuates every failed compute",
                 ", ".join(decision.failed))]
    lines = [(f"storm guard, {DISCLAIMER}", f"{k} of {n} Instance HA computes fail together; "
              + guard.describe())]
    if guard.threshold == 0:
        verdict = "guard off: every failed compute may be evacuated"
    elif decision.storm:
        verdict = (f"{k} x 100 > {guard.threshold} x {n}: a storm; allowance "
                   f"floor({guard.threshold} x {n} / 100) = {decision.allowance}")
    else:
        verdict = (f"{k} x 100 <= {guard.threshold} x {n}: not a storm, every failed compute "
                   "may be evacuated")
    lines.append(("the guard's verdict", verdict))
    batches = [f"+{i * guard.poll}s: {', '.join(batch)}"
               for i, batch in enumerate(decision.passes)]
    lines.append(("evacuated (oldest failure first, then host name)",
                  "; ".join(batches) if batches else "none"))
    if decision.held:
        lines.append(("held: fenced, evacuation waits for an operator "
                      "(tripleo-instanceha evacuations release HOST)",
                      ", ".join(decision.held)))
    return lines


def cap_delay(guard: Guard, count: int) -> int:
    """Seconds the last of `count` evacuations allowed together waits because of the cap."""
    if not guard.cap or count <= 0:
        return 0
    return (math.ceil(count / guard.cap) - 1) * guard.poll
