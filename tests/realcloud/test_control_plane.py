"""Real Nova, real Debian fence agents: fence, evacuate, recover, unfence (slow: ~2 min).

One control plane for the module (bring-up ~50 s), two nova-computes with the fake driver.
fence_compute and fence_evacuate run exactly as pacemaker runs them: options on stdin,
no arguments (any argument makes them ignore stdin). Outside a cluster pacemaker's
attrd is missing, so ``standin/attrd_updater`` stands in for it on the agents' PATH.

Run: ``bash tools/setup-env.sh cloud`` once (root), then
``PYTHONPATH=$PWD/tools .venv/bin/python -m pytest -p no:cacheprovider -q tests/realcloud``.
"""
from __future__ import annotations

import http.client
import os
import time

import pytest

from tripleo_instanceha.tht.fetch import fetch

from tests.realcloud.cloud import C0, C1, SHORT, TRAIT, two_computes, wait_for
from tests.realcloud.control_plane import KEEP_ALIVE, REFUSED

pytestmark = pytest.mark.realcloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with two_computes(str(tmp_path_factory.mktemp("realcloud"))) as cloud:
        yield cloud


def test_api_keeps_an_idle_connection_open_between_polls(cloud):
    """openstacksdk polls every 2 s on one pooled connection; gunicorn's own keep-alive is
    2 s, so a poll could meet the server's close and fail with RemoteDisconnected (it did,
    once, under CI load). Every API keeps an idle connection open past a 3 s pause."""
    assert KEEP_ALIVE > 3
    for service in ("keystone", "nova", "placement", "glance"):
        plane = cloud.plane
        conn = http.client.HTTPConnection(plane.listen_ip, getattr(plane.ports, service),
                                          timeout=10)
        try:
            for _ in range(2):
                conn.request("GET", "/")
                answer = conn.getresponse()
                answer.read()
                assert answer.status < 500, (service, answer.status)
                time.sleep(3)
        except (http.client.RemoteDisconnected, ConnectionError) as err:
            raise AssertionError(f"{service} closed an idle keep-alive connection: {err!r}")
        finally:
            conn.close()


def test_kill_fence_evacuate_recover_unfence(cloud):
    ids = cloud.boot(C0, 3)
    took = cloud.fail_and_evacuate(C0, SHORT[0])
    service = cloud.service(C0)
    assert (service.status, service.is_forced_down) == ("disabled", True)
    cloud.wait_evacuated(ids, C1)
    print(f"\nkill -> agents done {took:.1f} s")
    cloud.recover_and_unfence(C0, SHORT[0])
    # The restarted compute cleaned up after the evacuations it missed.
    wait_for("evacuations completed", lambda: set(cloud.evacuations(ids).values())
             == {"completed"}, 60)


def test_unfence_after_heartbeat_keeps_host_schedulable(cloud):
    """Pitfall 6, safe order: the returning host takes the next evacuation."""
    ids = cloud.boot(C1, 2)
    cloud.fail_and_evacuate(C1, SHORT[1])
    cloud.wait_evacuated(ids, C0)
    cloud.recover_and_unfence(C1, SHORT[1])
    # Now C0 fails: C1, unfenced in the safe order, must take its servers.
    cloud.fail_and_evacuate(C0, SHORT[0])
    cloud.wait_evacuated(ids, C1)
    cloud.recover_and_unfence(C0, SHORT[0])


def test_unfence_before_nova_compute_starts_cannot_clear_force_down(cloud):
    """Upstream's order: THT's check-run-nova-compute execs nova-compute only once the
    service is no longer forced down, i.e. after fence_compute -o on. Nova 34 refuses that
    force-up (400) while the host's evacuation migrations are still "done" (only the
    restarted compute completes them); fence_compute only warns, enables, and exits 0.
    """
    ids = cloud.boot(C1, 2)
    cloud.fail_and_evacuate(C1, SHORT[1])
    cloud.wait_evacuated(ids, C0)
    cloud.attrd_no(C1)
    api_log = os.path.join(cloud.plane.logs, "nova.log")
    api_offset = os.path.getsize(api_log)
    cloud.agent("fence_compute", "on", SHORT[1])
    assert REFUSED in _tail(api_log, api_offset)
    service = cloud.service(C1)
    assert (service.status, service.state, service.is_forced_down) == \
        ("enabled", "down", True)
    assert set(cloud.evacuations(ids).values()) == {"done"}
    # Only a started nova-compute gets out of this: it completes the migrations, its
    # start-up audit drops the trait (the service is enabled), and force-up then works.
    cloud.recover_and_unfence(C1, SHORT[1])
    assert set(cloud.evacuations(ids).values()) == {"completed"}


def _fenced_and_evacuated(cloud, host: str, short: str, target: str, count: int):
    ids = cloud.boot(host, count)
    cloud.fail_and_evacuate(host, short)
    cloud.wait_evacuated(ids, target)
    return ids


def _unfence(cloud, host: str, short: str) -> str:
    """fence_compute -o on, as pacemaker unfences a returning node; nova-api's log of it."""
    api_log = os.path.join(cloud.plane.logs, "nova.log")
    offset = os.path.getsize(api_log)
    cloud.attrd_no(host)
    cloud.agent("fence_compute", "on", short)
    return _tail(api_log, offset)


def _back(cloud, host: str, timeout: float = 60) -> None:
    """host runs nova-compute again, enabled and forced up: schedulable."""
    wait_for(f"{host} enabled, up and not forced down", lambda: (
        lambda s: (s.status, s.state, s.is_forced_down) == ("enabled", "up", False))(
            cloud.service(host)), timeout)


def test_upstream_guard_never_starts_nova_compute_after_an_evacuation(cloud):
    """THT's check-run-nova-compute (18.0.0; 11.6.0 and 14.3.0 decide the same) waits
    until the service is no longer forced down. On nova 24+ the unfence's force-up is
    refused while the evacuations are "done", and only nova-compute completes them:
    the compute is held for good (two of the guard's 10 s polls after the unfence, and
    a second unfence is refused the same way)."""
    ids = _fenced_and_evacuated(cloud, C1, SHORT[1], C0, 1)
    upstream = os.path.join(fetch("18.0.0"), "scripts", "check-run-nova-compute")
    cloud.restart(C1, guard=cloud.guarded(C1, script=upstream))
    assert REFUSED in _unfence(cloud, C1, SHORT[1])
    time.sleep(25)
    assert REFUSED in _unfence(cloud, C1, SHORT[1])
    log = cloud.guard_log(C1)
    assert "Waiting for fence-down flag to be cleared" in log
    assert "Join ServiceGroup membership" not in log, "THT's guard started nova-compute"
    service = cloud.service(C1)
    assert (service.status, service.state, service.is_forced_down) == \
        ("enabled", "down", True)
    assert set(cloud.evacuations(ids).values()) == {"done"}
    cloud.plane.kill_compute(C1)
    cloud.recover_and_unfence(C1, SHORT[1])


def test_start_guard_completes_the_unfence_nova_deferred(cloud):
    """The product's guard (deployment/pacemaker/compute/check-run-nova-compute) holds
    nova-compute while the host is fenced, starts it once the unfence enabled the
    service, and forces the service up once nova-compute completed its evacuations.
    Then the next failure evacuates onto the returned compute (the spec's test, twice
    in a row); the other compute returns the same way."""
    ids = _fenced_and_evacuated(cloud, C1, SHORT[1], C0, 2)
    cloud.restart(C1, guard=cloud.guarded(C1, "--poll-interval", "1"))
    time.sleep(3)
    assert "Join ServiceGroup membership" not in cloud.guard_log(C1), \
        "nova-compute started on a fenced compute"
    assert cloud.service(C1).state == "down"
    assert REFUSED in _unfence(cloud, C1, SHORT[1])
    _back(cloud, C1)
    log = cloud.guard_log(C1)
    assert "waiting: forced down and not unfenced yet" in log
    assert "starting nova-compute: unfenced (enabled) but still forced down" in log
    assert "forced %s up: nova-compute completed its evacuations" % C1 in log
    assert set(cloud.evacuations(ids).values()) == {"completed"}
    wait_for(f"{TRAIT} removed from {C1}", lambda: TRAIT not in cloud.traits(C1), 30)
    # The next failure: C0's servers go to the compute that just returned.
    cloud.fail_and_evacuate(C0, SHORT[0])
    cloud.wait_evacuated(ids, C1)
    cloud.restart(C0, guard=cloud.guarded(C0, "--poll-interval", "1"))
    _unfence(cloud, C0, SHORT[0])
    _back(cloud, C0)
    assert set(cloud.evacuations(ids).values()) == {"completed"}


def test_unfence_before_first_heartbeat_leaves_host_disabled_in_placement(cloud):
    """Pitfall 6, the defect: unfenced between the restarted compute's start-up trait sync
    and its first heartbeat, nova-api sees the service down and skips the sync; the trait
    stays and the next evacuation towards the host finds no valid host. (Last in the
    module: it leaves C0 fenced and C1 unschedulable.)
    """
    ids = cloud.boot(C1, 2)
    killed = time.monotonic()
    cloud.fail_and_evacuate(C1, SHORT[1])
    cloud.wait_evacuated(ids, C0)
    log = os.path.join(cloud.plane.logs, f"nova-compute-{C1}.log")
    offset = os.path.getsize(log)
    cloud.restart(C1)
    # Start-up order (nova/service.py Service.start): init_host, update_available_resource
    # (syncs the trait from the still disabled service), RPC servers, then join the
    # service group, whose first report comes INITIAL_REPORTING_DELAY (5 s) later.
    marker = "Join ServiceGroup membership for this service compute"
    wait_for("restarted compute joined", lambda: marker in _tail(log, offset), 60, 0.05)
    # The window is INITIAL_REPORTING_DELAY minus the agent's start-up: on a loaded machine
    # the agent can miss it. The compute is held inside it (stopped before its first
    # report) and the last report before the kill is let age past service_down_time, so
    # nova-api's view is exactly the one an unfence inside the window meets.
    with cloud.paused(C1):
        time.sleep(max(0.0, killed + cloud.plane.service_down_time + 1 - time.monotonic()))
        cloud.attrd_no(C1)
        api_log = os.path.join(cloud.plane.logs, "nova.log")
        api_offset = os.path.getsize(api_log)
        cloud.agent("fence_compute", "on", SHORT[1])
        # nova-api's own view when it enabled the service: down, so it skipped the sync.
        assert f"Compute service on host {C1} is down. The {TRAIT} trait" in \
            _tail(api_log, api_offset), "nova-api saw the compute up at the unfence"
    # (updated_at moved with the unfence's own writes: wait for nova's "up" instead.)
    wait_for(f"{C1} up", lambda: cloud.service(C1).state == "up")
    assert cloud.service(C1).status == "enabled"
    time.sleep(2 * cloud.plane.report_interval)
    assert TRAIT in cloud.traits(C1)
    # The next failure: C0's servers have nowhere to go.
    cloud.fail_and_evacuate(C0, SHORT[0])

    def failed():
        servers = cloud.servers(ids)
        return all(s.status == "ERROR" for s in servers) and servers
    servers = wait_for("evacuation fails", failed, 60)
    assert all("No valid host" in (s.fault or {}).get("message", "") for s in servers), \
        [s.fault for s in servers]


def _tail(path: str, offset: int) -> str:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")
