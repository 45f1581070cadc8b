"""Real Nova, real Debian fence agents: fence, evacuate, recover, unfence (slow: ~2 min).

One control plane for the module (bring-up ~50 s), two nova-computes with the fake driver.
fence_compute and fence_evacuate run exactly as pacemaker runs them: options on stdin,
no arguments (any argument makes them ignore stdin). Outside a cluster pacemaker's
attrd is missing, so ``standin/attrd_updater`` stands in for it on the agents' PATH.

Run: ``bash tools/setup-env.sh cloud`` once (root), then
``PYTHONPATH=$PWD/tools .venv/bin/python -m pytest -p no:cacheprovider -q tests/realcloud``.
"""
from __future__ import annotations

import os
import subprocess
import time
from typing import Callable, Dict, List

import pytest

from tests.realcloud.control_plane import ROOT, ControlPlane, Ports

pytestmark = pytest.mark.realcloud

HERE = os.path.dirname(os.path.abspath(__file__))
SHIM = os.path.join(ROOT, "tests", "e2e", "assets", "compat")
STANDIN = os.path.join(HERE, "standin")
DOMAIN = "localdomain"
SHORT = ("overcloud-novacomputeiha-0", "overcloud-novacomputeiha-1")
C0, C1 = (f"{name}.{DOMAIN}" for name in SHORT)
TRAIT = "COMPUTE_STATUS_DISABLED"


def wait_for(what: str, check: Callable[[], object], timeout: float = 90,
             step: float = 0.5) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


class Cloud:
    """The plane plus what the scenarios do to it, named as an operator would."""

    def __init__(self, plane: ControlPlane):
        self.plane = plane
        self.conn = plane.connection()
        self.attrd = os.path.join(plane.workdir, "attrd-standin")

    # -- nova --------------------------------------------------------------
    def service(self, host: str):
        return next(s for s in self.conn.compute.services()
                    if s.host == host and s.binary == "nova-compute")

    def boot(self, host: str, count: int) -> List[str]:
        image = self.conn.image.find_image("tiny")
        flavor = self.conn.compute.find_flavor("m1.tiny")
        ids = [self.conn.compute.create_server(
            name=f"vm-{host.split('.')[0][-1]}-{i}-{int(time.time())}", image_id=image.id,
            flavor_id=flavor.id, networks="none", availability_zone=f"nova:{host}").id
            for i in range(count)]
        for sid in ids:
            server = self.conn.compute.wait_for_server(self.conn.compute.get_server(sid),
                                                       wait=120)
            assert server.compute_host == host
        return ids

    def servers(self, ids: List[str]) -> list:
        return [self.conn.compute.get_server(sid) for sid in ids]

    def evacuations(self, ids: List[str]) -> Dict[str, str]:
        """instance uuid -> status of its evacuation migration record."""
        answer = self.conn.compute.get("/os-migrations?migration_type=evacuation",
                                       microversion="2.59").json()["migrations"]
        return {m["instance_uuid"]: m["status"] for m in answer if m["instance_uuid"] in ids}

    def traits(self, host: str) -> List[str]:
        placement = self.conn.placement
        rps = placement.get(f"/resource_providers?name={host}",
                            microversion="1.6").json()["resource_providers"]
        assert len(rps) == 1, rps
        return placement.get(f"/resource_providers/{rps[0]['uuid']}/traits",
                             microversion="1.6").json()["traits"]

    def restart(self, host: str) -> None:
        self.plane.start_compute(host)

    def wait_heartbeat(self, host: str, before) -> None:
        """The restarted service has reported: its updated_at moved. (Its state stays
        "down" while fence_compute's force-down holds, whatever the heartbeats.)"""
        wait_for(f"{host} heartbeat", lambda: self.service(host).updated_at != before)

    # -- the fence agents, as pacemaker runs them ----------------------------
    def agent(self, agent: str, action: str, plug: str) -> subprocess.CompletedProcess:
        options = dict(self.plane.fence_options(), action=action, plug=plug, domain=DOMAIN,
                       no_shared_storage="1")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("OS_", "PYTHON", "VIRTUAL_ENV"))}
        env.update(PYTHONPATH=SHIM, PATH=STANDIN + os.pathsep + env["PATH"],
                   ATTRD_STANDIN_FILE=self.attrd)
        run = subprocess.run([f"/usr/sbin/{agent}"], env=env, capture_output=True, text=True,
                             timeout=180, input="".join(f"{k}={v}\n" for k, v in
                                                        options.items()))
        assert run.returncode == 0, f"{agent} {action} {plug}: rc {run.returncode}\n{run.stderr}"
        return run

    def attrd_no(self, plug: str) -> None:
        """evacuate=no, as NovaEvacuate records once its evacuations are done."""
        subprocess.run([os.path.join(STANDIN, "attrd_updater"), "-p", "-n", "evacuate",
                        "-Q", "-N", plug, "-U", "no"], check=True, timeout=10,
                       env=dict(os.environ, ATTRD_STANDIN_FILE=self.attrd))

    def fail_and_evacuate(self, host: str, short: str) -> float:
        """SIGKILL host's nova-compute, fence_compute off, fence_evacuate; returns the seconds."""
        start = time.monotonic()
        self.plane.kill_compute(host)
        self.agent("fence_compute", "off", short)
        # fence_compute adds the domain to the pacemaker node name and records
        # evacuate=yes under nova's (FQDN) host name; NovaEvacuate passes that name on, and
        # fence_evacuate 4.12 uses its plug as it comes.
        self.agent("fence_evacuate", "off", host)
        return time.monotonic() - start

    def wait_evacuated(self, ids: List[str], target: str) -> None:
        def done():
            servers = self.servers(ids)
            errors = [(s.id, s.fault) for s in servers if s.status == "ERROR"]
            assert not errors, errors
            return all(s.status == "ACTIVE" and s.compute_host == target for s in servers)
        wait_for(f"servers ACTIVE on {target}", done, timeout=120)
        assert set(self.evacuations(ids)) == set(ids)

    def recover_and_unfence(self, host: str, short: str) -> None:
        """The safe order: restart, wait for the heartbeat, then fence_compute on."""
        before = self.service(host).updated_at
        self.restart(host)
        self.wait_heartbeat(host, before)
        self.attrd_no(host)
        self.agent("fence_compute", "on", short)
        service = self.service(host)
        assert (service.status, service.state, service.is_forced_down) == \
            ("enabled", "up", False)
        wait_for(f"{TRAIT} removed from {host}", lambda: TRAIT not in self.traits(host), 30)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    # The resource audit would re-sync the trait on its own (within ~60 s, at a random
    # first delay); put it out of the way so the early-unfence window is deterministic.
    plane = ControlPlane(str(tmp_path_factory.mktemp("realcloud")), ports=Ports.free(),
                         resource_audit_interval=600)
    started = time.monotonic()
    plane.start()
    try:
        for host in (C0, C1):
            plane.start_compute(host)
        conn = plane.connection()
        wait_for("both computes up", lambda: {
            s.host for s in conn.compute.services()
            if s.binary == "nova-compute" and s.state == "up"} == {C0, C1})
        wait_for("both computes mapped to cell1",
                 lambda: {C0, C1} <= set(plane.discover_hosts()), step=2)
        plane.timings["computes mapped"] = round(time.monotonic() - started, 1)
        yield Cloud(plane)
    finally:
        plane.timings["rss MiB at teardown"] = plane.rss_mb()
        print("\ncontrol plane timings:", plane.timings)
        leftovers = plane.stop()
        assert leftovers == []


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
    assert '"PUT /v2.1/os-services/force-down" status: 400' in _tail(api_log, api_offset)
    service = cloud.service(C1)
    assert (service.status, service.state, service.is_forced_down) == \
        ("enabled", "down", True)
    assert set(cloud.evacuations(ids).values()) == {"done"}
    # Only a started nova-compute gets out of this: it completes the migrations, its
    # start-up audit drops the trait (the service is enabled), and force-up then works.
    cloud.recover_and_unfence(C1, SHORT[1])
    assert set(cloud.evacuations(ids).values()) == {"completed"}


def test_unfence_before_first_heartbeat_leaves_host_disabled_in_placement(cloud):
    """Pitfall 6, the defect: unfenced between the restarted compute's start-up trait sync
    and its first heartbeat, nova-api sees the service down and skips the sync; the trait
    stays and the next evacuation towards the host finds no valid host.
    """
    ids = cloud.boot(C1, 2)
    cloud.fail_and_evacuate(C1, SHORT[1])
    cloud.wait_evacuated(ids, C0)
    log = os.path.join(cloud.plane.logs, f"nova-compute-{C1}.log")
    offset = os.path.getsize(log)
    cloud.restart(C1)
    # Start-up order (nova/service.py Service.start): init_host, update_available_resource
    # (syncs the trait from the still disabled service), RPC servers, then join the
    # service group, whose first report comes INITIAL_REPORTING_DELAY (5 s) later.
    marker = "Join ServiceGroup membership for this service compute"
    wait_for("restarted compute joined", lambda: marker in _tail(log, offset), 60, 0.1)
    cloud.attrd_no(C1)
    api_log = os.path.join(cloud.plane.logs, "nova.log")
    api_offset = os.path.getsize(api_log)
    cloud.agent("fence_compute", "on", SHORT[1])
    # nova-api's own view when it enabled the service: down, so it skipped the trait sync.
    # (The window is INITIAL_REPORTING_DELAY minus the agent's ~1-3 s: tight but real.)
    assert f"Compute service on host {C1} is down. The {TRAIT} trait" in \
        _tail(api_log, api_offset), "the first heartbeat came before the unfence"
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
