"""The spec's acceptance test on the live cluster, judged by a real Nova.

The cluster is the profile runs' (corosync, pacemaker, the project's CIB for the
bundled example with the project's defaults, the real fence_ipmilan and fence_redfish
against the emulated BMCs, the real fence_compute and fence_evacuate, the project's
nova-evacuate-iha), but the cloud is tests/realcloud's control plane (PyPI's keystone,
placement, glance and nova, with MariaDB and RabbitMQ) in the API namespace, and every
compute node runs a real nova-compute (nova's fake virt driver) in its own namespaces,
started at each boot through the product's start guard as THT's nova_compute container
starts it. A crash or a power-off takes nova-compute, pacemaker-remoted and the
instances down together.

The scenario is one a fake Nova cannot judge: compute-0 crashes and its servers are
rebuilt on compute-1; compute-0 boots again and pacemaker unfences it (nova refuses
the unfence's force-up while the evacuations are "done"; the start guard completes
it); then compute-1 crashes, the servers must be rebuilt on compute-0, and compute-1
returns the same way. Last, ``tripleo-instanceha drill`` powers compute-0 off through
its BMC, as an operator would, and must see its canary recover.

Every call to the cloud runs on one thread moved into the API namespace (the host's
network namespace stays untouched), so the harness talks to Nova as an operator's
client would, through openstacksdk.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import yaml

import tripleo_instanceha
from tripleo_instanceha.cluster.budget import budget as recovery_budget

from tests.realcloud.control_plane import REFUSED, ControlPlane, guard_argv

from . import cib
from . import cluster as live
from .fake_openstack import _enter_netns
from .scenarios import API_IP, KEYSTONE_URL, PROJECT, SLACK, fqdn, return_bound

PREFIX = "iha3-"
#: seconds between the start guard's checks (THT's guard: 10)
GUARD_POLL = 2
#: what the start guard adds to a compute's return: its polls, nova-compute's start-up
#: (init_host completes the evacuation records) and the helper's force-up
GUARD_SLACK = 60
SERVERS = 2


@dataclass
class Crash:
    """One crash of a compute; times are seconds after the fault."""

    victim: str
    target: str
    fault_at: float = 0.0
    fenced: Optional[float] = None
    history: list = field(default_factory=list)
    #: the victim's service when pacemaker had fenced it: (status, forced_down)
    service_fenced: Optional[tuple] = None
    first_evacuation: Optional[float] = None
    active: Dict[str, float] = field(default_factory=dict)
    servers: Dict[str, tuple] = field(default_factory=dict)   # id -> (host, status)
    #: the victim back in Nova: enabled, up, not forced down
    returned: Optional[float] = None
    service_returned: Optional[tuple] = None
    #: the victim's evacuation records after its return: id -> status
    evacuations: Dict[str, str] = field(default_factory=dict)


@dataclass
class RealNovaRun:
    timings: Dict[str, float] = field(default_factory=dict)
    crashes: List[Crash] = field(default_factory=list)
    servers: List[str] = field(default_factory=list)
    #: compute -> what its start guard (and nova-compute) printed, over every boot
    guard_logs: Dict[str, str] = field(default_factory=dict)
    refused_force_ups: int = 0
    rss_mb: Optional[int] = None
    versions: Dict[str, str] = field(default_factory=dict)
    leftovers: list = field(default_factory=list)
    error: Optional[str] = None
    state_dir: str = ""
    budget_worst: Optional[float] = None
    #: ``tripleo-instanceha drill`` on compute-0 afterwards: its exit code, its JSON
    #: report (stdout) and its stderr
    drill: Optional[tuple] = None

    def crash(self, index: int) -> Crash:
        if index >= len(self.crashes):
            raise AssertionError("real Nova run: crash %d did not happen (%s)" % (
                index + 1, self.error or "an earlier step failed"))
        return self.crashes[index]


class RealNovaRunner:
    """Builds the cluster and the real control plane, runs the two crashes, tears down."""

    def __init__(self, remoted: str, keep_dir: str) -> None:
        self.run = RealNovaRun()
        self.keep_dir = keep_dir
        self.workdir = tempfile.mkdtemp(prefix="iha-e2e-realnova-")
        self.password = secrets.token_urlsafe(12)
        plan, self.power = cib.load_plan(self.workdir, PROJECT.parameters(self.password),
                                         API_IP)
        controllers = [p.name for p in plan.cluster_members]
        self.computes = [p.name for p in plan.iha_computes]
        #: cluster hostname -> the node's name in the inventory (where its BMC is)
        self.inventory_names = {p.name: p.node.name for p in plan.iha_computes}
        self.addresses = {n: "10.99.0.%d" % (21 + i) for i, n in enumerate(self.computes)}
        self.model = cib.cluster_model(plan, self.addresses, KEYSTONE_URL)
        self.budget = recovery_budget(plan, self.model)
        self.run.budget_worst = self.budget.to_rebuild[1]
        self.configuration = cib.configuration_xml(self.model)
        nodes = [live.NodeSpec(n, "controller", "10.99.0.%d" % (11 + i), "c%d" % i)
                 for i, n in enumerate(controllers)]
        nodes += [live.NodeSpec(n, "compute", self.addresses[n], "k%d" % i)
                  for i, n in enumerate(self.computes)]
        self.run.state_dir = os.path.join(self.workdir, "state")
        os.makedirs(self.run.state_dir)
        self.cluster = live.LiveCluster(PREFIX, self.run.state_dir, nodes, API_IP, remoted,
                                        held_stopped=self.model.held_stopped)
        self.plane = ControlPlane(os.path.join(self.workdir, "cloud"), listen_ip=API_IP,
                                  own_network=True,
                                  admin_password=self.password,
                                  region=str(plan.param("KeystoneRegion", "regionOne")))
        self.api: Optional[ThreadPoolExecutor] = None
        self.conn = None
        self.bmcs = None

    # --- the API namespace ----------------------------------------------------------
    def _in_api(self, fn: Callable, *args, timeout: float = 600):
        """fn(*args) on the thread that lives in the API namespace."""
        return self.api.submit(fn, *args).result(timeout)

    def _nova(self, fn: Callable):
        """fn(connection) in the API namespace; every SDK call has its own timeout."""
        return self._in_api(fn, self.conn, timeout=120)

    def _service(self, host: str):
        def find(conn):
            return next((s for s in conn.compute.services()
                         if s.host == host and s.binary == "nova-compute"), None)
        return self._nova(find)

    def _state(self, host: str) -> Optional[tuple]:
        service = self._service(host)
        if service is None:
            return None
        return (service.status, service.state, bool(service.is_forced_down))

    # --- the whole run ------------------------------------------------------------
    def execute(self) -> RealNovaRun:
        started = time.monotonic()
        try:
            self._bring_up()
            c0, c1 = self.computes[:2]
            self._await_return(self._crash(c0, c1))
            self._await_return(self._crash(c1, c0))
            self.run.drill = self._drill(c0)
        except Exception as exc:  # recorded; the tests report it
            self.run.error = "%s: %s" % (type(exc).__name__, exc)
            self._debug_dump(traceback.format_exc())
        finally:
            self.run.timings["run"] = round(time.monotonic() - started, 1)
            self.teardown()
        return self.run

    def _launcher(self, name: str) -> str:
        """The node's nova-compute, through the product's start guard (THT's command
        line; the marker file says Instance HA is on), as a script each boot runs."""
        node_dir = self.cluster.node_dir(name)
        marker = os.path.join(node_dir, "instanceha-enabled")
        open(marker, "w").close()
        cmd = self.plane.compute_command(fqdn(name), my_ip=self.addresses[name],
                                         guard=guard_argv(marker, "--poll-interval",
                                                          str(GUARD_POLL)))
        return ("#!/bin/sh\n# nova-compute of %s, through the start guard\n"
                "exec env -i PATH=%s HOME=/root LANG=C.UTF-8 PYTHONUNBUFFERED=1 %s\n" % (
                    name, cmd.env["PATH"], " ".join(cmd.argv)))

    def _bring_up(self) -> None:
        t0 = time.monotonic()
        self.cluster.create_network()
        self.api = ThreadPoolExecutor(1, thread_name_prefix="api-netns",
                                      initializer=_enter_netns,
                                      initargs=(self.cluster.netns_path("api"),))
        self._in_api(self.plane.start)
        self.run.timings.update({"plane %s" % k: v for k, v in self.plane.timings.items()})
        self.conn = self._in_api(self.plane.connection)
        os.makedirs(os.path.join(self.run.state_dir, "nodes"), exist_ok=True)
        for name in self.computes:
            os.makedirs(self.cluster.node_dir(name), exist_ok=True)
        self.cluster.services = {n: self._launcher(n) for n in self.computes}
        bmc_dir = os.path.join(self.workdir, "bmc")
        os.makedirs(bmc_dir, exist_ok=True)
        self.bmcs = self.power.emulators(bmc_dir, self.cluster.netns_path("api"),
                                         self.run.state_dir).start()
        self.cluster.up(self.configuration)
        self.run.timings["cluster up"] = round(time.monotonic() - t0, 1)
        hosts = {fqdn(n) for n in self.computes}
        live.wait_for("both nova-computes up", lambda: {
            h for h in hosts if (self._state(h) or ("", "", True))[1] == "up"} == hosts, 180, 1)
        live.wait_for("both computes mapped to cell1",
                      lambda: hosts <= set(self._in_api(self.plane.discover_hosts)), 90, 2)
        self.run.timings["computes in nova"] = round(time.monotonic() - t0, 1)
        self.run.servers = self._boot(fqdn(self.computes[0]), SERVERS)
        self.run.timings["servers booted"] = round(time.monotonic() - t0, 1)

    def _boot(self, host: str, count: int) -> List[str]:
        def boot(conn):
            image = conn.image.find_image("tiny")
            flavor = conn.compute.find_flavor("m1.tiny")
            ids = [conn.compute.create_server(
                name="vm-real-%d" % i, image_id=image.id, flavor_id=flavor.id,
                networks="none", availability_zone="nova:%s" % host).id
                for i in range(count)]
            for sid in ids:
                server = conn.compute.wait_for_server(conn.compute.get_server(sid), wait=120)
                if server.compute_host != host:
                    raise live.HarnessError("server %s booted on %s, not %s" % (
                        sid, server.compute_host, host))
            return ids
        return self._in_api(boot, self.conn, timeout=300)

    # --- the crashes ----------------------------------------------------------------
    def _servers(self) -> Dict[str, tuple]:
        def read(conn):
            return {sid: (s.compute_host, s.status, (s.fault or {}).get("message"))
                    for sid in self.run.servers for s in [conn.compute.get_server(sid)]}
        return self._nova(read)

    def _evacuations(self, source: str) -> Dict[str, str]:
        def read(conn):
            answer = conn.compute.get(
                "/os-migrations?migration_type=evacuation&source_compute=%s" % source,
                microversion="2.59").json()["migrations"]
            return {m["instance_uuid"]: m["status"] for m in answer}
        return self._nova(read)

    def _crash(self, victim: str, target: str) -> Crash:
        """Every process of *victim* dies; its servers must be ACTIVE on *target*."""
        crash = Crash(victim, target)
        self.run.crashes.append(crash)
        viewer = self.cluster.viewer(avoid=(victim,))
        before = self.cluster.history_keys(viewer)
        vhost, thost = fqdn(victim), fqdn(target)
        # the plan's worst case to the rebuild, plus the harness's and a real rebuild's time
        bound = self.budget.to_rebuild[1] + SLACK + 30
        crash.fault_at = time.time()
        self.cluster.kill_node(victim)
        deadline = time.time() + bound
        while time.time() < deadline:
            now = time.time() - crash.fault_at
            if crash.fenced is None:
                for event in self.cluster.new_fencings(viewer, before, (victim,)):
                    crash.fenced = now
                    crash.history.append(event)
                    state = self._state(vhost)
                    crash.service_fenced = state and (state[0], state[2])
            if crash.first_evacuation is None and self._evacuations(vhost):
                crash.first_evacuation = now
            servers = self._servers()
            crash.servers = {sid: s[:2] for sid, s in servers.items()}
            failed = {sid: s[2] for sid, s in servers.items() if s[1] == "ERROR"}
            if failed:
                raise live.HarnessError("servers in ERROR after %s crashed: %s" % (
                    victim, failed))
            for sid, (host, status, _fault) in servers.items():
                if sid not in crash.active and status == "ACTIVE" and host == thost:
                    crash.active[sid] = time.time() - crash.fault_at
            if crash.fenced is not None and len(crash.active) == len(servers):
                return crash
            time.sleep(0.5)
        raise live.HarnessError(
            "%s crashed: not fenced and rebuilt on %s within %.0f s (the budget's worst case "
            "+ %d s): fenced %s, servers %s"
            % (victim, target, bound, SLACK + 30, crash.fenced, crash.servers))

    def _await_return(self, crash: Crash) -> None:
        """The crashed compute boots, pacemaker unfences it, and its nova-compute comes
        back through the start guard: enabled, up, no longer forced down."""
        bound = return_bound(self.model, PROJECT, crash.victim) + GUARD_SLACK
        host = fqdn(crash.victim)
        live.wait_for("%s back in Nova (enabled, up, not forced down)" % host,
                      lambda: self._state(host) == ("enabled", "up", False), bound, 1,
                      seen=lambda: self._state(host))
        crash.returned = time.time() - crash.fault_at
        crash.service_returned = self._state(host)
        live.wait_for("%s's evacuation records completed" % host, lambda: set(
            self._evacuations(host).values()) == {"completed"}, 60, 1,
            seen=lambda: self._evacuations(host))
        crash.evacuations = self._evacuations(host)
        viewer = self.cluster.viewer()
        live.wait_for("the cluster to recover", lambda: self.cluster.ready(viewer), 120, 0.5)
        self.cluster.settle(viewer)

    # --- the drill ----------------------------------------------------------------------
    def _drill(self, name: str) -> tuple:
        """``tripleo-instanceha drill --method bmc-power-off`` on *name*, as an operator
        runs it from a machine that reaches the API and the BMCs (here: the API
        namespace): its canary must come back on the other compute, and *name* back in
        service, with the cluster doing the fencing, evacuation and unfence."""
        work = os.path.join(self.workdir, "drill")
        os.makedirs(work)
        clouds = os.path.join(work, "clouds.yaml")
        with open(os.open(clouds, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            yaml.safe_dump(self.plane.clouds_yaml(), f)
        budget = os.path.join(work, "budget.json")
        with open(budget, "w") as f:
            json.dump({"budget": self.budget.to_dict()}, f)
        host = fqdn(name)
        argv = ["--os-cloud", "overcloud", "--compute", host, "--image", "tiny",
                "--flavor", "m1.tiny", "--method", "bmc-power-off",
                "--bmc-from", os.path.join(self.workdir, "instackenv.json"),
                "--bmc-node", self.inventory_names[name], "--budget", budget,
                "--timeout", "300", "--return-timeout", "300",
                "--confirm-crash", host, "--format", "json"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_CLIENT_CONFIG_FILE=clouds, PYTHONPATH=os.path.dirname(
            os.path.dirname(tripleo_instanceha.__file__)))
        run = subprocess.run(["nsenter", "--net=%s" % self.cluster.netns_path("api"),
                              sys.executable, "-m", "tripleo_instanceha", "drill", *argv],
                             capture_output=True, text=True, env=env, timeout=900,
                             cwd=work)
        return run.returncode, run.stdout, run.stderr[-4000:]

    # --- the end ----------------------------------------------------------------------
    def _debug_dump(self, text: str) -> None:
        with open(os.path.join(self.workdir, "failure.txt"), "a") as f:
            f.write(text + "\n")

    def _collect(self) -> None:
        for name in self.computes:
            path = os.path.join(self.cluster.node_dir(name), "log", "services.log")
            try:
                with open(path, errors="replace") as handle:
                    self.run.guard_logs[name] = handle.read()
            except OSError:
                self.run.guard_logs[name] = ""
        try:
            with open(os.path.join(self.plane.logs, "nova.log"), errors="replace") as handle:
                self.run.refused_force_ups = handle.read().count(REFUSED)
        except OSError:
            pass
        try:
            self.run.rss_mb = self.plane.rss_mb()
        except OSError:
            pass

    def teardown(self) -> None:
        self._collect()
        problems = []
        if self.api is not None:
            try:
                problems += self._in_api(self.plane.stop, timeout=180)
            except Exception as exc:  # the namespace goes below, with whatever is left
                problems.append("control plane stop: %s" % exc)
            self.api.shutdown(wait=True)
        if self.bmcs is not None:
            self.bmcs.stop()
        problems += self.cluster.down()
        self.run.leftovers = problems
        kept = live.keep_or_remove(self.workdir, self.keep_dir, bool(self.run.error))
        if self.run.error and self.keep_dir:
            self.run.state_dir = kept
