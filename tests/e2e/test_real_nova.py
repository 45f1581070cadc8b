"""The spec's acceptance test on the live cluster against a real Nova (see real_nova.py).

Real: everything test_live_cluster.py lists as real, plus keystone, placement, glance
and nova (API, conductor, scheduler) from PyPI on MariaDB and RabbitMQ, one real
nova-compute (fake virt driver) inside each compute node's namespaces, started at
every boot through the product's start guard, and pacemaker's own unfencing of the
returning compute through the real fence_compute, and the drill command powering a
compute off through its BMC with the real fence_ipmilan. Stand-ins: the BMCs' power supply
(node-power), the neutron stub (networks "none"), and nova's fake virt driver.

The run happens once, after the profile runs (one cluster at a time on the machine);
each test checks one claim against what it recorded.
"""
from __future__ import annotations

import json
import os

import pytest

from tripleo_instanceha.paths import cache_dir

from . import conftest, remote_pkg
from .real_nova import RealNovaRunner
from .scenarios import fqdn

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run():
    if os.geteuid() != 0:
        pytest.fail("the live cluster test needs root (network namespaces, mounts); "
                    "run it as root: .venv/bin/python -m pytest tests/e2e")
    runner = RealNovaRunner(remote_pkg.pacemaker_remoted(),
                            os.path.join(cache_dir(), "e2e-failed"))
    result = runner.execute()
    conftest.REAL_NOVA["run"] = result
    return result


def test_the_servers_of_a_crashed_compute_are_rebuilt_on_the_other(run):
    crash = run.crash(0)
    assert crash.fenced is not None
    assert crash.first_evacuation is not None
    assert set(crash.active) == set(run.servers)
    assert all(host == fqdn(crash.target) for host, _ in crash.servers.values())
    # fence-nova forced the service down and disabled it, as upstream's level does
    assert crash.service_fenced == ("disabled", True)
    assert max(crash.active.values()) <= run.budget_worst + 60


def test_the_crashed_compute_returns_through_the_start_guard(run):
    """Nova refused the unfence's force-up (its evacuations were "done"); the product's
    guard started nova-compute once the unfence enabled the service and then forced it
    up: the compute is back in service, its evacuation records completed."""
    crash = run.crash(0)
    assert crash.returned is not None, run.error
    assert crash.service_returned == ("enabled", "up", False)
    assert set(crash.evacuations) == set(run.servers)
    assert set(crash.evacuations.values()) == {"completed"}
    assert run.refused_force_ups >= 1
    log = run.guard_logs[crash.victim]
    assert "waiting: forced down and not unfenced yet" in log
    assert "starting nova-compute: unfenced (enabled) but still forced down" in log
    assert "forced %s up: nova-compute completed its evacuations" % fqdn(crash.victim) in log


def test_the_next_crash_evacuates_onto_the_returned_compute(run):
    """The spec's test twice in a row: the servers go back to the compute that returned."""
    first, second = run.crash(0), run.crash(1)
    assert second.victim == first.target and second.target == first.victim
    assert second.fenced is not None
    assert set(second.active) == set(run.servers)
    assert all(host == fqdn(first.victim) for host, _ in second.servers.values())


def test_the_second_compute_returns_the_same_way(run):
    crash = run.crash(1)
    assert crash.service_returned == ("enabled", "up", False)
    assert set(crash.evacuations.values()) == {"completed"}
    assert "forced %s up: nova-compute completed its evacuations" % fqdn(crash.victim) \
        in run.guard_logs[crash.victim]


def test_the_drill_powers_a_compute_off_and_sees_its_canary_recover(run):
    """``tripleo-instanceha drill --method bmc-power-off`` against the live cluster: the
    real fence_ipmilan powers compute-0 off through its emulated BMC, pacemaker does
    the rest (fencing, evacuation, unfence), and the drill follows it all in Nova."""
    assert run.drill is not None, run.error
    code, out, err = run.drill
    assert code == 0, (out[-3000:], err)
    report = json.loads(out)
    c0, c1 = run.crash(0).victim, run.crash(0).target
    assert report["verdict"] == "passed" and report["recovered_on"] == fqdn(c1), report
    events = [e["event"] for e in report["timeline"]]
    order = ["canary ACTIVE on %s" % fqdn(c0), "crash started: bmc-power-off",
             "crash done: bmc-power-off", "%s forced down" % fqdn(c0),
             "canary ACTIVE on %s" % fqdn(c1), "%s back in service" % fqdn(c0),
             "canary deleted"]
    at = [next((i for i, e in enumerate(events) if e.startswith(o)), None) for o in order]
    assert None not in at and at == sorted(at), events


def test_the_run_completed_and_left_nothing(run):
    assert run.error is None
    assert run.leftovers == []
