"""The recovery-time budget: how long from a compute's failure until its VMs rebuild.

Why: operators choose monitor intervals, fence agent timings and an evacuate
delay one by one; nobody adds them up. The stages follow the chain the cluster
runs (doc/source/rehearse.rst has the formula and every source):

=====================  ===============================  ======================================
stage                  best                             worst
=====================  ===============================  ======================================
detection              0                                monitor interval + monitor timeout
power fencing          delay + power_wait + 1           delay + login_timeout + 2 x
                                                        power_timeout + power_wait,
                                                        capped at stonith-timeout
fence-nova             1 (keystone + 2 nova calls)      login_timeout + power_timeout,
                                                        capped at stonith-timeout
agent notices          0                                InstanceHAEvacuatePollInterval (2)
evacuate delay         InstanceHAEvacuateDelay          InstanceHAEvacuateDelay
first evacuate call    1                                5 (fence_evacuate start, list servers)
rebuild starts         2                                30 (nova schedules the rebuild)
=====================  ===============================  ======================================

Agent timings come from the device's own parameters, else from the installed
agent's metadata (``fence_X -o metadata``), else from the table below (the
fence-agents 4.12 defaults, checked against the metadata by a test).
"""
from __future__ import annotations

import functools
import json
import os
from concurrent.futures import ThreadPoolExecutor
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from tripleo_instanceha.cluster import storm
from tripleo_instanceha.cluster.model import (EVACUATE_IHA, EVACUATE_POLL_DEFAULT, FENCE_NOVA,
                                              NOVA_EVACUATE_MONITOR,
                                              PACEMAKER_DEFAULT_OP_TIMEOUT, ClusterModel)
from tripleo_instanceha.errors import InstanceHAError
from tripleo_instanceha.paths import cache_dir
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan import tunables
from tripleo_instanceha.yamlio import atomic_write

TIMING_KEYS = ("delay", "power_wait", "power_timeout", "login_timeout")
#: fence-agents 4.12.1 defaults (ClusterLabs/fence-agents lib/fencing.py.py and each agent).
AGENT_DEFAULTS: Dict[str, Dict[str, float]] = {
    "fence_ipmilan": {"delay": 0, "power_wait": 2, "power_timeout": 20, "login_timeout": 5},
    "fence_redfish": {"delay": 0, "power_wait": 0, "power_timeout": 20, "login_timeout": 5},
    "fence_ironic": {"delay": 0, "power_wait": 0, "power_timeout": 20, "login_timeout": 5},
    "fence_rhevm": {"delay": 0, "power_wait": 1, "power_timeout": 20, "login_timeout": 5},
    "fence_compute": {"delay": 0, "power_wait": 0, "power_timeout": 20, "login_timeout": 5},
    "fence_kdump": {"delay": 0, "power_wait": 0, "power_timeout": 60, "login_timeout": 0},
}
GENERIC_DEFAULTS = {"delay": 0, "power_wait": 0, "power_timeout": 20, "login_timeout": 5}
#: Pacemaker's stonith-timeout default (TripleO does not set it).
STONITH_TIMEOUT = 60
FIRST_CALL = (1, 5)
REBUILD = (2, 30)


def _metadata(agent: str, path: str) -> Optional[Dict[str, float]]:
    """Timing defaults from ``agent -o metadata``, cached per agent file version.

    Why the cache: each agent answers in a fresh Python that imports its
    libraries, about half a second on a busy machine.
    """
    info = os.stat(path)
    cache = os.path.join(cache_dir(), "agent-metadata",
                         f"{agent}-{int(info.st_mtime)}-{info.st_size}.json")
    try:
        with open(cache, encoding="utf-8") as handle:
            return {k: float(v) for k, v in json.load(handle).items()}
    except (OSError, ValueError, AttributeError):
        pass
    out = subprocess.run([path, "-o", "metadata"], capture_output=True, text=True,
                         timeout=30).stdout
    root = ET.fromstring(out)
    values: Dict[str, float] = {}
    for param in root.iter("parameter"):
        content = param.find("content")
        if content is None:
            continue
        name = param.get("name")
        if name in TIMING_KEYS:
            values[name] = float(content.get("default") or 0)
        elif agent == "fence_kdump" and name == "timeout" and content.get("default"):
            values["power_timeout"] = float(content.get("default"))
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        atomic_write(cache, json.dumps(values), mode=0o644)
    except (OSError, InstanceHAError):
        pass  # a read-only cache only costs time
    return values


@functools.lru_cache(maxsize=None)
def agent_defaults(agent: str) -> Tuple[Dict[str, float], str]:
    """The agent's timing defaults and where they came from."""
    path = shutil.which(agent) or shutil.which(agent, path="/usr/sbin:/sbin")
    if path:
        try:
            values = _metadata(agent, path)
        except (OSError, subprocess.SubprocessError, ET.ParseError, ValueError):
            values = None
        if values:
            merged = dict(AGENT_DEFAULTS.get(agent, GENERIC_DEFAULTS))
            merged.update(values)
            return merged, f"{agent} -o metadata"
    return dict(AGENT_DEFAULTS.get(agent, GENERIC_DEFAULTS)), "fence-agents 4.12 defaults"


def _timings(agent: str, params: Dict[str, str]) -> Tuple[Dict[str, float], str]:
    values, source = agent_defaults(agent)
    values = dict(values)
    for key in TIMING_KEYS:
        if key in params:
            try:
                values[key] = float(str(params[key]).rstrip("s"))
                source = "device parameters, " + source
            except ValueError:
                pass
    return values, source


def _seconds(value: object, default: float) -> float:
    try:
        return float(str(value).rstrip("s"))
    except (TypeError, ValueError):
        return default


@dataclass
class Stage:
    name: str
    best: float
    worst: float
    source: str

    def to_dict(self) -> dict:
        return {"stage": self.name, "best_s": self.best, "worst_s": self.worst,
                "source": self.source}


@dataclass
class Budget:
    """Best and worst case, in seconds, from a compute's failure to recovery."""

    stages: List[Stage] = field(default_factory=list)
    #: index of the last stage counted towards the first evacuate call
    first_call_index: int = 0
    notes: List[str] = field(default_factory=list)

    def _total(self, upto: int) -> Tuple[float, float]:
        part = self.stages[:upto + 1]
        return sum(s.best for s in part), sum(s.worst for s in part)

    @property
    def to_first_evacuate(self) -> Tuple[float, float]:
        return self._total(self.first_call_index)

    @property
    def to_rebuild(self) -> Tuple[float, float]:
        return self._total(len(self.stages) - 1)

    def to_dict(self) -> dict:
        first, rebuild = self.to_first_evacuate, self.to_rebuild
        return {"stages": [s.to_dict() for s in self.stages],
                "to_first_evacuate_s": {"best": first[0], "worst": first[1]},
                "to_rebuild_s": {"best": rebuild[0], "worst": rebuild[1]},
                "notes": list(self.notes)}

    def to_text(self) -> str:
        width = max(len(s.name) for s in self.stages) if self.stages else 10
        lines = [f"  {'stage':<{width}}  {'best':>6}  {'worst':>6}  source"]
        for stage in self.stages:
            lines.append(f"  {stage.name:<{width}}  {_fmt(stage.best):>6}  "
                         f"{_fmt(stage.worst):>6}  {stage.source}")
        first, rebuild = self.to_first_evacuate, self.to_rebuild
        lines.append(f"  failure -> first evacuate call: {_fmt(first[0])} to {_fmt(first[1])}")
        lines.append(f"  failure -> VMs rebuilding:      {_fmt(rebuild[0])} to {_fmt(rebuild[1])}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _fmt(value: float) -> str:
    return f"{value:g}s"


def _detection(plan, cluster: ClusterModel) -> Tuple[float, float, bool]:
    """(monitor interval, monitor timeout, whether the op declares it) of the slowest
    Instance HA compute's connection.

    Why from the model's op and not the parameter: a connection whose monitor
    has no ``timeout`` (puppet-tripleo alone) waits pacemaker's default op
    timeout, 20 s, not the 30 s of ocf:pacemaker:remote's metadata.
    """
    interval = float(_seconds(plan.param("InstanceHARemoteMonitorInterval"),
                              P.TUNABLES["InstanceHARemoteMonitorInterval"].default))
    worst: Optional[Tuple[float, float, bool]] = None
    for node in cluster.computes or cluster.remotes:
        prim = cluster.primitive(node)
        op = prim.op("monitor") if prim else None
        if op is None:
            continue
        found = (float(op.interval or interval), float(cluster.remote_monitor_timeout(node)),
                 op.timeout is not None)
        if worst is None or found[0] + found[1] > worst[0] + worst[1]:
            worst = found
    return worst or (interval, float(PACEMAKER_DEFAULT_OP_TIMEOUT), False)


def budget(plan, cluster: Optional[ClusterModel] = None) -> Budget:
    """The recovery budget for the plan's Instance HA computes (the slowest and fastest).

    A tunable outside its rule raises InputError: a budget computed from it
    ("-30s") would be believed.
    """
    tunables.require_valid(plan)
    cluster = cluster or ClusterModel.from_plan(plan)
    result = Budget()
    monitor, timeout, timed = _detection(plan, cluster)
    stonith_timeout = _seconds(cluster.properties.get("stonith-timeout"), STONITH_TIMEOUT)
    result.stages.append(Stage(
        "detection (remote connection monitor)", 0, monitor + timeout,
        f"InstanceHARemoteMonitorInterval={monitor:g}s + monitor timeout {timeout:g}s "
        + ("(InstanceHARemoteMonitorTimeout, set by the lifecycle tasks)" if timed
           else "(pacemaker's default: the connection's monitor op has no timeout)")))

    # each agent answers -o metadata in a fresh Python: ask them all at once
    agents = sorted({p.type for p in cluster.stonith})
    with ThreadPoolExecutor(max_workers=max(1, len(agents))) as pool:
        list(pool.map(agent_defaults, agents))
    power_best, power_worst, power_src = [], [], set()
    nova_best, nova_worst, nova_src = 1.0, 0.0, ""
    for node in cluster.computes:
        levels = cluster.levels_for(node)
        if not levels:
            continue
        for rid in levels[0].devices:
            prim = cluster.primitive(rid)
            if prim is None:
                continue
            t, src = _timings(prim.type, prim.params)
            if rid == FENCE_NOVA:
                nova_worst = max(nova_worst, min(t["login_timeout"] + t["power_timeout"],
                                                 stonith_timeout))
                nova_src = f"fence_compute: login_timeout + power_timeout ({src})"
                continue
            power_best.append(t["delay"] + t["power_wait"] + 1)
            power_worst.append(min(t["delay"] + t["login_timeout"] + 2 * t["power_timeout"]
                                   + t["power_wait"], stonith_timeout))
            power_src.add(f"{prim.type} ({src})")
    if power_best:
        result.stages.append(Stage("power fencing (level 1 device)", min(power_best),
                                   max(power_worst),
                                   "delay + power_wait + 1 .. delay + login_timeout + 2 x "
                                   f"power_timeout + power_wait, capped at stonith-timeout "
                                   f"{stonith_timeout:g}s: " + ", ".join(sorted(power_src))))
    else:
        result.notes.append("no Instance HA compute has a level-1 power device: fencing, "
                            "and so evacuation, never completes")
        result.stages.append(Stage("power fencing (level 1 device)", 0, 0, "no device"))
    if nova_worst:
        result.stages.append(Stage("fence-nova marks the host down", nova_best, nova_worst,
                                   nova_src))
    else:
        result.notes.append("no level holds fence-nova: nova is never told, nothing evacuates")
        result.stages.append(Stage("fence-nova marks the host down", 0, 0, "no fence-nova"))
    # nova-evacuate-iha's worker reads the attributes every poll_interval,
    # whatever its monitor does; the stock agent only from its monitor.
    ours = cluster.primitive(EVACUATE_IHA)
    if ours is not None:
        interval = _seconds(ours.params.get("poll_interval"), EVACUATE_POLL_DEFAULT)
        result.stages.append(Stage(f"{EVACUATE_IHA} notices (poll)", 0, interval,
                                   f"InstanceHAEvacuatePollInterval={interval:g}s"))
    else:
        interval = float(NOVA_EVACUATE_MONITOR[0])
        result.stages.append(Stage("nova-evacuate notices (monitor)", 0, interval,
                                   f"NovaEvacuate monitor interval {interval:g}s"))
    result.notes += _storm_notes(cluster)
    delay = _seconds(plan.param("InstanceHAEvacuateDelay"), 0)
    result.stages.append(Stage("evacuate delay", delay, delay,
                               f"InstanceHAEvacuateDelay={delay:g}s"))
    result.stages.append(Stage("first evacuate call", FIRST_CALL[0], FIRST_CALL[1],
                               "fence_evacuate start-up and server list (estimate)"))
    result.first_call_index = len(result.stages) - 1
    result.stages.append(Stage("nova starts rebuilding", REBUILD[0], REBUILD[1],
                               "evacuate accepted -> scheduled -> rebuild (estimate)"))
    reconnect = _seconds(plan.param("InstanceHARemoteReconnectInterval"), 60)
    result.notes.append(f"a failed evacuation is retried after NovaEvacuate's 60s in-flight "
                        f"timeout; a returning compute rejoins no sooner than "
                        f"InstanceHARemoteReconnectInterval={reconnect:g}s after the failure")
    return result


def _storm_notes(cluster: ClusterModel) -> List[str]:
    """What the storm guard and the per-pass cap add to the stages above, which are one
    compute's: a held compute has no time bound, a capped one waits whole polls."""
    guard = storm.Guard.of(cluster)
    if guard is None:
        return []
    computes = len(cluster.remotes)
    notes = []
    if guard.threshold:
        allowance = guard.allowance(computes)
        notes.append(
            f"storm guard InstanceHAStormThreshold={guard.threshold}% of {computes} Instance HA "
            f"compute(s): when more than that fail within InstanceHAStormWindow="
            f"{guard.window}s, only the first {allowance} get this budget; the others are "
            "fenced and their evacuation waits for an operator's release (tripleo-instanceha "
            "evacuations release HOST), so it has no time bound")
    if guard.cap:
        # the most that can be allowed at once: all of them, or a storm's allowance
        together = min(computes, guard.allowance(computes)) if guard.threshold else computes
        notes.append(
            f"InstanceHAEvacuationsPerPass={guard.cap}: evacuations beyond the first "
            f"{guard.cap} of one pass wait a poll ({guard.poll}s) per further {guard.cap}; "
            f"{together} evacuated together, the last waits "
            f"{storm.cap_delay(guard, together)}s more")
    return notes
