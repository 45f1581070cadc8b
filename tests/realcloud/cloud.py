"""The real control plane with two Instance HA computes, and what tests do to it.

Shared by tests/realcloud and tests/status: one bring-up (``two_computes``), one set of
operator-named actions (``Cloud``), so both suites drive Nova the same way.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import Callable, Dict, Iterator, List, Sequence

from tests.realcloud.control_plane import GUARD, ROOT, ControlPlane, Ports, guard_argv

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


@contextlib.contextmanager
def two_computes(workdir: str) -> Iterator["Cloud"]:
    """The plane with C0 and C1 up and mapped to cell1; stopped, leaving nothing, on exit.

    The resource audit would re-sync the disabled trait on its own (within ~60 s, at a
    random first delay): it is put out of the way so the early-unfence window of the
    realcloud tests is deterministic.
    """
    plane = ControlPlane(workdir, ports=Ports.free(), resource_audit_interval=600)
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


class Cloud:
    """The plane plus what the scenarios do to it, named as an operator would."""

    def __init__(self, plane: ControlPlane):
        self.plane = plane
        self.conn = plane.connection()
        self.attrd = os.path.join(plane.workdir, "attrd-standin")
        self.log_offsets: Dict[str, int] = {}

    # -- nova --------------------------------------------------------------
    def service(self, host: str):
        return next(s for s in self.conn.compute.services()
                    if s.host == host and s.binary == "nova-compute")

    def boot(self, host: str, count: int, image: str = "tiny",
             flavor: str = "m1.tiny") -> List[str]:
        image = self.conn.image.find_image(image)
        flavor = self.conn.compute.find_flavor(flavor)
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

    def restart(self, host: str, guard: Sequence[str] = ()) -> None:
        log = os.path.join(self.plane.logs, f"nova-compute-{host}.log")
        self.log_offsets[host] = os.path.getsize(log) if os.path.exists(log) else 0
        # unbuffered: the guard's lines are in the log as it prints them
        self.plane.start_compute(host, guard=guard, extra_env={"PYTHONUNBUFFERED": "1"})

    def guard_log(self, host: str) -> str:
        """What the host's nova-compute process (or its guard) printed since restart()."""
        with open(self.plane.computes[host].log, "rb") as handle:
            handle.seek(self.log_offsets.get(host, 0))
            return handle.read().decode(errors="replace")

    def guarded(self, host: str, *options: str, script: str = GUARD) -> List[str]:
        """guard_argv() for host, with its own marker file."""
        marker = os.path.join(self.plane.workdir, "nova", f"instanceha-enabled-{host}")
        open(marker, "w").close()
        return guard_argv(marker, *options, script=script)

    @contextlib.contextmanager
    def paused(self, host: str) -> Iterator[None]:
        """host's nova-compute stopped (SIGSTOP) and continued on exit: a compute that is
        running but has not reported yet, held there for as long as a test needs."""
        group = self.plane.computes[host].process.pid
        os.killpg(group, signal.SIGSTOP)
        try:
            yield
        finally:
            os.killpg(group, signal.SIGCONT)

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
