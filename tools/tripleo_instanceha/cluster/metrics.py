"""The status verdict as a node_exporter textfile (``--prometheus FILE``).

Why a textfile and not an exporter: the check needs root on a controller and
runs from a timer; node_exporter's textfile collector picks the file up. It is
written through the project's one write path (``fileio.atomic_write``): a
scrape sees the previous complete file or the new complete one, never half
of one. Mode 0644: node_exporter runs as its own user, and nothing secret is
in it (names of nodes and devices only). Rendered by prometheus_client, so
the exposition format is the library's, not ours.
"""
from __future__ import annotations

import time
from typing import Optional

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from tripleo_instanceha import fileio
from tripleo_instanceha.cluster.protection import FAIL, NOT_CHECKED, Assessment

PREFIX = "tripleo_instanceha_"
MODE = 0o644


def render(assessment: Optional[Assessment], now: Optional[float] = None,
           nova=None) -> str:
    """The textfile's content; ``None`` renders a run that could not read the cluster (or
    Nova). *nova*: the Nova half's report (``nova.judge.NovaReport``), when Nova was read."""
    registry = CollectorRegistry()

    def gauge(name: str, doc: str, labels=()) -> Gauge:
        return Gauge(PREFIX + name, doc, list(labels), registry=registry)

    gauge("status_up", "1 when the status check could read the cluster (and Nova, when "
          "asked), 0 when it could not run").set(0 if assessment is None else 1)
    gauge("status_last_run_timestamp_seconds", "when the status check last ran").set(
        time.time() if now is None else now)
    if assessment is None:
        return generate_latest(registry).decode("utf-8")
    gauge("protected", "1 when every rule passes (the cluster half of Instance HA)").set(
        1 if assessment.verdict == "protected" else 0)
    rule = gauge("rule_passed", "1 pass, 0 fail, per rule; rules not checked are absent",
                 ["rule"])
    for result in assessment.rules.values():
        if result.status != NOT_CHECKED:
            rule.labels(result.id).set(0 if result.status == FAIL else 1)
    online = gauge("compute_online", "1 when the compute's pacemaker_remote connection is "
                   "online and the node clean", ["node"])
    maint = gauge("compute_maintenance", "1 when the compute is in maintenance; holder is "
                  "'ours' (the update tasks) or 'operator'", ["node", "holder"])
    topo = gauge("compute_fencing_topology_complete", "1 when a fencing level holds a power "
                 "device and fence-nova", ["node"])
    unfence = gauge("compute_unfenced", "1 when compute-unfence-trigger runs on the compute",
                    ["node"])
    for c in assessment.computes:
        online.labels(c.name).set(1 if c.state == "online" else 0)
        maint.labels(c.name, c.maintenance or "none").set(1 if c.maintenance else 0)
        topo.labels(c.name).set(1 if c.topology else 0)
        unfence.labels(c.name).set(1 if c.unfence_trigger else 0)
    device = gauge("stonith_device_healthy", "1 when the stonith device is started without "
                   "failed operations", ["device", "agent"])
    for d in assessment.devices:
        device.labels(d.id, d.agent).set(1 if d.healthy else 0)
    gauge("nova_evacuate_running", "how many nodes nova-evacuate runs on (1 expected)").set(
        len(assessment.evacuate_nodes))
    if assessment.snapshot.evacuate is not None:
        gauge("evacuations_pending", "computes whose evacuate attribute is set and not "
              "'no'").set(sum(1 for v in assessment.snapshot.evacuate.values()
                              if v and v.lower() != "no"))
    if nova is not None:
        _nova(gauge, nova)
    return generate_latest(registry).decode("utf-8")


def _nova(gauge, nova) -> None:
    """Per Instance HA compute: its nova-compute service, and its instances by fence_evacuate's
    decision (what would come back if it failed now)."""
    gauge("nova_protected", "1 when the Nova half has no finding").set(
        0 if nova.findings else 1)
    up = gauge("nova_service_up", "1 when the compute's nova-compute service is up", ["node"])
    forced = gauge("nova_service_forced_down", "1 when Nova has the service forced down",
                   ["node"])
    instances = gauge("nova_instances", "instances on the compute, by whether fence_evacuate "
                      "would evacuate them", ["node", "evacuable"])
    for c in nova.computes:
        up.labels(c.name).set(1 if c.state == "up" else 0)
        forced.labels(c.name).set(1 if c.forced_down else 0)
        mine = nova.instances_on(c.name)
        for flag in (True, False):
            instances.labels(c.name, "true" if flag else "false").set(
                sum(1 for i in mine if i.evacuable == flag))


def write(path: str, assessment: Optional[Assessment], nova=None) -> None:
    """Replace *path* atomically with the rendered metrics, mode 0644."""
    fileio.atomic_write(path, render(assessment, nova=nova), mode=MODE)
