"""The failure scenarios of the live cluster test and what each one observed.

Why observations instead of asserts here: both timing profiles run at the same
time (each in its own cluster) to keep the whole test within its time budget,
so the scenarios only record what happened, as seen by pacemaker (its fencing
history) and by the fake Nova (its state and every call it got); the tests
then assert on those records, one claim per test.
"""
from __future__ import annotations

import copy
import os
import secrets
import signal
import subprocess
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import Optional

from tripleo_instanceha.cluster.budget import Budget
from tripleo_instanceha.cluster.budget import budget as recovery_budget
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.validate.rules.remote_monitor_timeout import TOLERATED_STALL

from tests.fencing.bmc_emulators import Emulators

from . import cib
from . import cluster as live
from . import fake_openstack as fake

API_IP = "10.99.0.5"
KEYSTONE_URL = "http://%s:%d/v3" % (API_IP, fake.KEYSTONE_PORT)
DOMAIN = "localdomain"
#: Added to the bounds the plan gives each wait (seconds): the harness's own polling,
#: process start-up on a loaded 2-core machine, and the fake cloud's rebuild.
SLACK = 30
#: A fenced compute boots again this long at most (namespace, corosync-free remoted).
BOOT_SECONDS = 30
#: Room kept on each side of the slow-monitor pause (seconds): a monitor must start
#: inside the pause, and the delayed one must end before its timeout.
PAUSE_MARGIN = 2


def slow_monitor_pause(interval: float, timeout: float) -> float:
    """How long to stop a compute's pacemaker-remoted for "one slow monitor".

    Pacemaker starts a remote connection's next recurring monitor one interval
    after the previous one ended.  A pause of D seconds with interval < D starts
    at some phase of that cycle, so a monitor is always issued inside it and
    waits for the daemon; with D < timeout none of them can time out (a monitor
    in flight when the pause began is late by at most D).  The midpoint keeps
    the widest margin from both edges, whatever the phase: for the project's
    10 s / 15 s that is 12.5 s.  Upstream's 20 s interval with pacemaker's default
    20 s timeout leaves no such pause (see slow_monitor_hold).
    """
    if timeout - interval < 2 * PAUSE_MARGIN:
        raise live.HarnessError(
            "monitor interval %ss and timeout %ss leave no pause that is both longer "
            "than one interval and shorter than the timeout" % (interval, timeout))
    return (interval + timeout) / 2.0


def slow_monitor_hold(timeout: float) -> float:
    """How long to keep one queued monitor request unanswered, for a plan whose interval
    leaves no room for slow_monitor_pause (upstream's 20 s interval with pacemaker's
    default 20 s timeout).

    The daemon is stopped until a request is queued on its socket (monitor_wait),
    then for this long: the request is late by this much, and by nothing more than
    the harness's reading of the socket.  Half the timeout keeps the widest margin
    from both edges (not late at all, timed out).
    """
    if timeout < 4 * PAUSE_MARGIN:
        raise live.HarnessError(
            "a monitor timeout of %ss leaves no room to hold a monitor request for a "
            "while and still answer it in time" % timeout)
    return timeout / 2.0


def monitor_wait(interval: float, timeout: float) -> float:
    """How long the daemon may stay stopped waiting for the next monitor request.

    Pacemaker issues it at most one interval after the previous monitor ended, so
    the wait must exceed the interval.  It is kept below the timeout where the plan
    allows (one interval plus two margins, at most the timeout less one margin, as
    for the project's 10 s / 15 s: 13 s), so that even a request the daemon had read
    just before it was stopped is answered in time.  Where the interval is too close
    to the timeout for that (20 s / 20 s), one interval plus a margin: a request
    waits from its arrival, not from the stop, so only that unlikely read-but-not-
    answered request could be late by the whole wait.
    """
    return max(min(interval + 2 * PAUSE_MARGIN, timeout - PAUSE_MARGIN),
               interval + PAUSE_MARGIN)


@dataclass(frozen=True)
class Profile:
    """One set of plan parameters the whole scenario list runs with."""

    key: str
    title: str
    monitor: int
    reconnect: int
    no_shared_storage: bool
    #: the connection monitor's timeout; None: none on the op, as puppet-tripleo alone
    #: creates it (pacemaker's default operation timeout, 20 s, applies)
    monitor_timeout: Optional[int] = None
    #: seconds between the evacuation agent's reads of the evacuate attributes
    poll: int = P.TUNABLES["InstanceHAEvacuatePollInterval"].default

    def parameters(self, password: str) -> dict:
        params = {"InstanceHARemoteMonitorInterval": self.monitor,
                  "InstanceHARemoteReconnectInterval": self.reconnect,
                  "InstanceHANoSharedStorage": self.no_shared_storage,
                  "InstanceHAEvacuatePollInterval": self.poll,
                  "InstanceHAKeystonePassword": password}
        if self.monitor_timeout is not None:
            params["InstanceHARemoteMonitorTimeout"] = self.monitor_timeout
        return params


PROJECT = Profile("project", "project defaults",
                  P.TUNABLES["InstanceHARemoteMonitorInterval"].default,
                  P.TUNABLES["InstanceHARemoteReconnectInterval"].default,
                  P.TUNABLES["InstanceHANoSharedStorage"].default,
                  P.TUNABLES["InstanceHARemoteMonitorTimeout"].default)
UPSTREAM = Profile("upstream", "upstream defaults",
                   P.UPSTREAM_DEFAULTS["InstanceHARemoteMonitorInterval"],
                   P.UPSTREAM_DEFAULTS["InstanceHARemoteReconnectInterval"],
                   # the other value of the switch, to see it reach the evacuate call
                   not P.TUNABLES["InstanceHANoSharedStorage"].default,
                   # puppet-tripleo sets no timeout on the connection's monitor
                   None,
                   # the stock agent notices an evacuate attribute in its monitor
                   P.UPSTREAM_DEFAULTS["InstanceHAEvacuatePollInterval"])
PROFILES = (PROJECT, UPSTREAM)


@dataclass
class Observation:
    """What one scenario saw; times are seconds after the fault."""

    scenario: str
    victims: list
    fault_at: float = 0.0
    fenced: dict = field(default_factory=dict)
    first_evacuate: Optional[float] = None
    active_elsewhere: dict = field(default_factory=dict)
    returned: Optional[float] = None
    #: nova-compute services right after the compute was fenced, and after its return
    services_fenced: dict = field(default_factory=dict)
    services_returned: dict = field(default_factory=dict)
    servers: dict = field(default_factory=dict)          # name -> (host, status)
    evacuations: list = field(default_factory=list)      # (server name, request body)
    nova_writes: list = field(default_factory=list)      # (seconds, method, path, body)
    history: list = field(default_factory=list)          # new fencing events
    powered_off: dict = field(default_factory=dict)      # node -> no process left
    evacuate_attribute: dict = field(default_factory=dict)
    evacuation_host: Optional[str] = None                # where nova-evacuate ran
    evacuation_host_after: list = field(default_factory=list)
    after_monitor: Optional[bool] = None                 # network cut: fault right after one
    #: slow monitor: how long remoted was stopped, and the bytes of monitor request(s)
    #: queued unread on its socket at the moment it was let go (> 0: one was delayed)
    pause: Optional[float] = None
    queued_at_resume: Optional[int] = None
    #: remote restart in maintenance: (seconds after the restart, rc, output) of the CIB
    #: calls puppet makes from the compute, while in maintenance and once it is lifted
    in_maintenance: list = field(default_factory=list)
    after_lift: list = field(default_factory=list)
    #: the connection's state in crm_mon while in maintenance after the restart
    connection_in_maintenance: dict = field(default_factory=dict)
    #: remote restart in maintenance: the remote node's pending "shutdown" request (the
    #: stopped daemon's) as pacemaker left it, whether the scenario wrote one because it
    #: did not, and the fencing actions after leaving (none: see doc/source/e2e.rst)
    shutdown_pending: Optional[bool] = None
    shutdown_injected: bool = False
    fenced_on_leave: list = field(default_factory=list)
    error: Optional[str] = None


@dataclass
class ProfileRun:
    """A cluster built from the plan with *profile*'s parameters, and its scenarios."""

    profile: Profile
    index: int
    bring_up: Optional[float] = None
    # the CIB holds the (throwaway) keystone password: keep it out of reprs
    live_configuration: str = field(default="", repr=False)
    model_configuration: str = field(default="", repr=False)
    observations: dict = field(default_factory=dict)
    leftovers: list = field(default_factory=list)
    error: Optional[str] = None
    state_dir: str = ""
    budget: Optional[Budget] = None
    #: set-up steps that failed once and were retried (printed with the timings)
    retries: list = field(default_factory=list)
    #: node -> "ipmi" or "redfish": the protocol of the BMC that powers it
    protocols: dict = field(default_factory=dict)
    #: what the nodes' power supply did (assets/bin/node-power), and each emulated BMC's
    #: log ("ipmi", "redfish"): read before the run's directory goes
    power_log: str = ""
    bmc_logs: dict = field(default_factory=dict)

    def observation(self, name: str) -> Observation:
        obs = self.observations.get(name)
        if obs is None:
            raise AssertionError("%s: scenario %r did not run (%s)" % (
                self.profile.title, name, self.error or "an earlier scenario failed"))
        if obs.error:
            raise AssertionError("%s: scenario %r failed: %s" % (
                self.profile.title, name, obs.error))
        return obs


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def remote_monitor(model, name: str) -> tuple[int, int]:
    """The (interval, timeout) of the node's connection monitor, from the model (the
    timeout pacemaker applies: its default where the op declares none)."""
    op = model.primitive(name).op("monitor")
    return op.interval, model.remote_monitor_timeout(name)


def return_bound(model, profile: Profile, name: str) -> float:
    """Seconds a fenced compute may take to rejoin: pacemaker retries the connection
    every reconnect_interval once the failed monitor (interval + timeout) is over."""
    interval, timeout = remote_monitor(model, name)
    return profile.reconnect + interval + timeout + BOOT_SECONDS + SLACK


def fqdn(name: str) -> str:
    return "%s.%s" % (name, DOMAIN)


class Runner:
    """Builds one cluster for a profile, runs the scenarios in order, tears down."""

    def __init__(self, profile: Profile, index: int, remoted: str, keep_dir: str) -> None:
        self.run = ProfileRun(profile, index)
        self.workdir = tempfile.mkdtemp(prefix="iha-e2e-%s-" % profile.key)
        self.keep_dir = keep_dir
        self.password = secrets.token_urlsafe(12)
        plan, self.power = cib.load_plan(self.workdir, profile.parameters(self.password),
                                         API_IP)
        controllers = [p.name for p in plan.cluster_members]
        computes = [p.name for p in plan.iha_computes]
        addresses = {n: "10.99.0.%d" % (21 + i) for i, n in enumerate(computes)}
        puppet_monitor = profile.monitor_timeout is None
        self.model = cib.cluster_model(plan, addresses, KEYSTONE_URL,
                                       puppet_monitor=puppet_monitor)
        # what rehearse promises for this plan, with its real (BMC) power devices and
        # the same connection monitors as the live cluster
        self.run.budget = recovery_budget(plan, self.model)
        self.run.protocols = self.power.protocols
        self.run.model_configuration = cib.configuration_xml(self.model)
        nodes = [live.NodeSpec(n, "controller", "10.99.0.%d" % (11 + i), "c%d" % i)
                 for i, n in enumerate(controllers)]
        nodes += [live.NodeSpec(n, "compute", addresses[n], "k%d" % i)
                  for i, n in enumerate(computes)]
        self.run.state_dir = os.path.join(self.workdir, "state")
        os.makedirs(self.run.state_dir)
        self.cluster = live.LiveCluster("iha%d-" % index, self.run.state_dir, nodes, API_IP,
                                        remoted, held_stopped=self.model.held_stopped)
        self.cloud = fake.FakeCloud(API_IP, [fqdn(n) for n in computes], self.password)
        self.api: Optional[fake.FakeCloudServer] = None
        self.bmcs: Optional[Emulators] = None

    # --- the whole run ------------------------------------------------------------
    def execute(self) -> ProfileRun:
        try:
            try:
                self._bring_up()
            except live.HarnessError as exc:
                # only the set-up is retried, once, and the retry is reported; the
                # scenarios themselves are never re-run
                self.run.retries.append("bring-up: %s" % exc)
                self._debug_dump("bring-up (retried)", traceback.format_exc())
                self._stop_cloud()
                self.cluster.down()
                self._bring_up()
            scenarios = [("slow monitor", self.slow_monitor),
                         ("link loss", self.link_loss),
                         ("compute crash", self.compute_crash),
                         ("network cut", self.network_cut),
                         ("power loss", self.power_loss),
                         ("crash with evacuation controller",
                          self.crash_with_evacuation_controller)]
            if self.run.profile.key == PROJECT.key:
                # timing-free: one profile shows it
                scenarios.append(("remote restart in maintenance",
                                  self.remote_restart_in_maintenance))
            for name, scenario in scenarios:
                obs = self.run.observations[name] = Observation(name, [])
                try:
                    scenario(obs)
                except Exception as exc:  # recorded; the tests report it
                    obs.error = "%s: %s" % (type(exc).__name__, exc)
                    self._debug_dump(name, traceback.format_exc())
                    break
        except Exception as exc:
            self.run.error = "%s: %s" % (type(exc).__name__, exc)
            self._debug_dump("bring-up", traceback.format_exc())
        finally:
            self.teardown()
        return self.run

    def _bring_up(self) -> None:
        start = time.monotonic()
        self.cluster.create_network()
        self.api = fake.FakeCloudServer(self.cloud, self.cluster.netns_path("api"))
        self.api.start()   # before the nodes: fence-nova talks to it from the start
        bmc_dir = os.path.join(self.workdir, "bmc")
        os.makedirs(bmc_dir, exist_ok=True)
        # and the BMCs: pacemaker monitors the power devices once they start
        self.bmcs = self.power.emulators(bmc_dir, self.cluster.netns_path("api"),
                                         self.run.state_dir).start()
        self.cluster.up(self.run.model_configuration)
        self.run.bring_up = time.monotonic() - start
        viewer = self.cluster.viewer()
        self.run.live_configuration = self.cluster.run(
            viewer, "cibadmin", "--query", "--scope", "configuration").stdout

    def _stop_cloud(self) -> None:
        if self.api is not None:
            self.api.stop()
            self.api = None
        if self.bmcs is not None:
            self.bmcs.stop()
            self.bmcs = None

    def teardown(self) -> None:
        self._stop_cloud()
        self.run.leftovers = self.cluster.down()
        self.run.power_log = _read(os.path.join(self.run.state_dir, "power.log"))
        self.run.bmc_logs = {name: _read(os.path.join(self.workdir, "bmc", name + ".log"))
                             for name in ("ipmi", "redfish")}
        failed = self.run.error or any(o.error for o in self.run.observations.values())
        kept = live.keep_or_remove(self.workdir, self.keep_dir, bool(failed))
        if failed and self.keep_dir:
            self.run.state_dir = kept

    def _debug_dump(self, name: str, text: str) -> None:
        with open(os.path.join(self.workdir, "failure.txt"), "a") as f:
            f.write("== %s\n%s\n" % (name, text))

    # --- helpers ------------------------------------------------------------------
    def _services(self) -> dict:
        with self.cloud.lock:
            return {h: {"status": s.status, "forced_down": s.forced_down, "state": s.state}
                    for h, s in self.cloud.services.items()}

    def _remote_monitor(self, name: str) -> tuple[int, int]:
        return remote_monitor(self.model, name)

    def _return_bound(self, name: str) -> float:
        return return_bound(self.model, self.run.profile, name)

    def _watch(self, obs: Observation, viewer: str, before: set, moving: list[str],
               staying: list[str]) -> None:
        """Poll until every victim is fenced and every moving VM is ACTIVE elsewhere."""
        t0 = obs.fault_at
        origin = {n: self.cloud.server(n).host for n in moving}
        # the budget's worst case is what the plan promises (its devices' timeouts)
        bound = self.run.budget.to_rebuild[1] + SLACK
        deadline = time.time() + bound
        while time.time() < deadline:
            now = time.time() - t0
            pending = [v for v in obs.victims if v not in obs.fenced]
            if pending:
                for event in self.cluster.new_fencings(viewer, before, pending):
                    obs.fenced[event["target"]] = now
                    obs.history.append(event)
                    obs.powered_off[event["target"]] = not self.cluster.node_pids(
                        event["target"])
                    if event["target"] in self.cluster.computes:
                        obs.services_fenced = self._services()
            evacuations = self.cloud.evacuations()
            if evacuations and obs.first_evacuate is None:
                obs.first_evacuate = evacuations[0].time - t0
            with self.cloud.lock:
                for name in moving:
                    server = self.cloud.server(name)
                    if (name not in obs.active_elsewhere and server.status == "ACTIVE"
                            and server.host != origin[name]):
                        done = [t for t, _, what in server.history if what == "ACTIVE"]
                        obs.active_elsewhere[name] = (done[-1] if done else time.time()) - t0
            if not pending and len(obs.active_elsewhere) == len(moving):
                break
            time.sleep(0.25)
        self._record_cloud(obs)
        missing = [v for v in obs.victims if v not in obs.fenced]
        if missing:
            seen = [(e.get("target"), e.get("action"), e.get("status"))
                    for e in self.cluster.fence_history(viewer)
                    if tuple(sorted(e.items())) not in before]
            raise live.HarnessError(
                "not fenced within %.0fs (the budget's worst case + %ss): %s; fencing events "
                "since the fault: %s" % (bound, SLACK, missing, seen or "none"))
        stuck = [n for n in moving if n not in obs.active_elsewhere]
        if stuck:
            raise live.HarnessError("VMs not ACTIVE elsewhere within %.0fs: %s (%s); "
                                    "evacuate calls: %d" % (
                                        bound, stuck, {n: obs.servers[n] for n in stuck},
                                        len(obs.evacuations)))
        # staying VMs: give nova-evacuate one more monitor to (wrongly) move them
        if staying:
            time.sleep(fake.REBUILD_SECONDS + 1)
            self._record_cloud(obs)

    def _record_cloud(self, obs: Observation) -> None:
        with self.cloud.lock:
            obs.servers = {s.name: (s.host, s.status) for s in self.cloud.servers.values()}
            names = {s.id: s.name for s in self.cloud.servers.values()}
            obs.evacuations = [(names.get(c.path.split("/")[-2]), copy.deepcopy(c.body))
                               for c in self.cloud.evacuations()]
            obs.nova_writes = [(c.time - obs.fault_at, c.method, c.path, copy.deepcopy(c.body))
                               for c in self.cloud.calls
                               if c.service == "nova" and c.method in ("PUT", "POST")]

    def _await_return(self, obs: Observation, viewer: str) -> None:
        """The fenced computes come back: unfenced, online, resources started, idle."""
        bound = max(self._return_bound(v) for v in obs.victims)
        live.wait_for("the cluster to recover", lambda: self.cluster.ready(viewer),
                      bound, 0.5, seen=lambda: self._node_states(viewer))
        obs.returned = time.time() - obs.fault_at
        self.cluster.settle(viewer)
        obs.services_returned = self._services()
        self._record_cloud(obs)
        out = self.cluster.run(viewer, "env", "-u", "OCF_RESKEY_CRM_meta_on_node",
                               "attrd_updater", "-n", "evacuate", "-A", check=False).stdout
        for line in out.splitlines():
            parts = dict(p.split("=", 1) for p in line.split() if "=" in p)
            if "host" in parts:
                obs.evacuate_attribute[parts["host"].strip('"')] = parts.get(
                    "value", "").strip('"')

    def _node_states(self, viewer: str) -> dict:
        """Each node's state in crm_mon, for the message of a wait that timed out."""
        mon = self.cluster.crm_mon(viewer)
        if mon is None:
            return {"crm_mon": "no answer from %s" % viewer}
        states = {n.get("name"): "online" if n.get("online") == "true" else "offline"
                  for n in mon.iterfind("nodes/node")}
        top = mon.find("resources")
        if top is not None:
            states["not started"] = sorted({r.get("id") for r in top.iter("resource")
                                            if r.get("role") != "Started"})
        return states

    def _fault(self, obs: Observation, victims: list[str]) -> tuple[str, set]:
        viewer = self.cluster.viewer(avoid=tuple(victims))
        before = self.cluster.history_keys(viewer)
        obs.victims = list(victims)
        return viewer, before

    # --- the scenarios ------------------------------------------------------------
    def slow_monitor(self, obs: Observation) -> None:
        """compute-1 stops answering for longer than a monitor interval, then recovers.

        One slow monitor (slower than the interval, within the monitor timeout)
        must not fence a healthy compute.  The pause is chosen from the plan
        (see slow_monitor_pause), so it delays a monitor whenever it starts;
        the socket's unread request when the daemon resumes shows it did.
        """
        victim = self.cluster.computes[1]
        viewer, before = self._fault(obs, [])
        interval, timeout = self._remote_monitor(victim)
        remoted = self.cluster.process_pids(victim, "pacemaker-remoted")
        try:
            pause = slow_monitor_pause(interval, timeout)
        except live.HarnessError:
            pause = None   # no room (interval >= timeout less the margins): hold one request
        obs.fault_at = time.time()
        if pause is not None:
            obs.pause = pause
            with live.stopped(remoted):
                time.sleep(obs.pause)
                sock = self.cluster.remote_socket(victim)
                obs.queued_at_resume = sock.recv_q if sock is not None else None
        else:
            seen = self.cluster.hold_monitor(victim, remoted, monitor_wait(interval, timeout),
                                             hold=slow_monitor_hold(timeout))
            obs.pause = time.time() - obs.fault_at
            obs.queued_at_resume = seen[-1].recv_q if seen and seen[-1] is not None else None
        time.sleep(5)
        self.cluster.settle(viewer)
        obs.history = [e for e in self.cluster.fence_history(viewer)
                       if tuple(sorted(e.items())) not in before]
        obs.returned = time.time() - obs.fault_at if self.cluster.ready(viewer) else None
        self._record_cloud(obs)
        obs.services_returned = self._services()

    def link_loss(self, obs: Observation) -> None:
        """compute-1's link drops every packet for the stall the project promises to
        tolerate (TOLERATED_STALL), then comes back: nothing may be fenced.

        The monitor requests sent meanwhile are lost and TCP retransmits them
        (0.2, 0.6, 1.4, 3.0, 6.2, 12.6 s after the send), so the answer can come
        up to about 12.6 s after the request, within the monitor timeout.
        """
        victim = self.cluster.computes[1]
        viewer, before = self._fault(obs, [])
        obs.pause = float(TOLERATED_STALL)
        obs.fault_at = time.time()
        self.cluster.set_link(victim, up=False)
        try:
            time.sleep(obs.pause)
        finally:
            self.cluster.set_link(victim, up=True)
        # every monitor sent during the loss has been answered or has timed out
        time.sleep(self._remote_monitor(victim)[1] + PAUSE_MARGIN)
        self.cluster.settle(viewer)
        obs.history = [e for e in self.cluster.fence_history(viewer)
                       if tuple(sorted(e.items())) not in before]
        obs.returned = time.time() - obs.fault_at if self.cluster.ready(viewer) else None
        self._record_cloud(obs)

    def compute_crash(self, obs: Observation) -> None:
        """Every process of compute-0 dies; its VM must come back on compute-1."""
        victim = self.cluster.computes[0]
        self.cloud.reset()
        self.cloud.boot("vm-crash", fqdn(victim))
        viewer, before = self._fault(obs, [victim])
        obs.fault_at = time.time()
        self.cluster.kill_node(victim)
        self._watch(obs, viewer, before, ["vm-crash"], [])
        self._await_return(obs, viewer)

    def network_cut(self, obs: Observation) -> None:
        """compute-1's cable is pulled silently; detection is the remote monitor's job."""
        self._silent_failure(obs, self.cluster.computes[1], "vm-cut", power_off=False)

    def power_loss(self, obs: Observation) -> None:
        """compute-0 loses power: its link goes first, then every process dies.

        Unlike the crash, no TCP reset reaches the controller, so detection is the
        remote monitor's, as after a cut; its BMC still answers, so fencing powers
        off a node that is already dead.
        """
        self._silent_failure(obs, self.cluster.computes[0], "vm-power", power_off=True)

    def _silent_failure(self, obs: Observation, victim: str, vm: str, power_off: bool) -> None:
        """A VM on *victim*; right after a monitor its link goes down (and with
        *power_off* every process of it dies); the VM must come back elsewhere."""
        self.cloud.reset()
        self.cloud.boot(vm, fqdn(victim))
        viewer, before = self._fault(obs, [victim])
        self._right_after_monitor(obs, victim)
        obs.fault_at = time.time()
        self.cluster.set_link(victim, up=False)
        if power_off:
            self.cluster.kill_node(victim)
        try:
            self._watch(obs, viewer, before, [vm], [])
        finally:
            self.cluster.set_link(victim, up=True)   # the node boots with its cable in
        self._await_return(obs, viewer)

    def _right_after_monitor(self, obs: Observation, victim: str) -> None:
        """Wait until a monitor of *victim*'s connection has just been answered.

        The worst case on purpose: a silent failure right after a monitor is
        detected after a whole interval plus the monitor timeout, whatever the
        run's timing.  The monitor is caught by holding the daemon until its
        request is queued (one interval at most), which stays below the timeout.
        """
        interval, timeout = self._remote_monitor(victim)
        self.cluster.hold_monitor(victim, self.cluster.process_pids(victim, "pacemaker-remoted"),
                                  monitor_wait(interval, timeout))
        obs.after_monitor = True
        time.sleep(0.5)   # let that monitor's reply arrive

    def crash_with_evacuation_controller(self, obs: Observation) -> None:
        """compute-0 and the controller running nova-evacuate die together.

        The VMs use ``evacuable`` tags (one flavor, one image): only the tagged
        ones may move, the untagged one must stay where it was.
        """
        victim = self.cluster.computes[0]
        viewer = self.cluster.viewer()
        evacuator = self.model.evacuator
        running = self.cluster.running_on(viewer, evacuator)
        if len(running) != 1:
            raise live.HarnessError("%s runs on %s" % (evacuator, running))
        controller = running[0]
        obs.evacuation_host = controller
        self.cloud.reset()
        self.cloud.add_flavor("m1.evacuable", {"evacuable": "true"})
        self.cloud.add_image("cirros-evacuable", tagged=True)
        self.cloud.boot("vm-tagged-flavor", fqdn(victim), flavor="m1.evacuable")
        self.cloud.boot("vm-tagged-image", fqdn(victim), image="cirros-evacuable")
        self.cloud.boot("vm-untagged", fqdn(victim))
        viewer, before = self._fault(obs, [victim, controller])
        obs.fault_at = time.time()
        self.cluster.kill_node(controller)
        self.cluster.kill_node(victim)
        self._watch(obs, viewer, before, ["vm-tagged-flavor", "vm-tagged-image"],
                    ["vm-untagged"])
        obs.evacuation_host_after = self.cluster.running_on(viewer, self.model.evacuator)

    def remote_restart_in_maintenance(self, obs: Observation) -> None:
        """pacemaker_remote restarts (as a package update does) while its connection
        is in maintenance, then puppet's CIB calls run from that compute.

        Puppet on an Instance HA compute sets its node attribute and reads the
        stonith topology through the remote's connection (pcs property set
        --node, pcs stonith level); the calls are made here with crm_attribute
        and cibadmin, what those pcs commands run.  They are tried for the
        connection's reconnect interval plus one monitor interval, long enough
        for pacemaker to reconnect if it ever did in maintenance, then again
        once the maintenance is lifted.
        """
        victim = self.cluster.computes[0]
        viewer = self.cluster.viewer()
        # the scenario before this one fenced this compute and a controller
        live.wait_for("the cluster to recover first", lambda: self.cluster.ready(viewer),
                      self._return_bound(victim), 0.5, seen=lambda: self._node_states(viewer))
        self.cluster.settle(viewer)
        viewer, before = self._fault(obs, [])
        self.cluster.run(viewer, "crm_resource", "--resource", victim, "--meta",
                         "--set-parameter", "maintenance", "--parameter-value", "true")
        live.wait_for("the connection to be in maintenance",
                      lambda: self._connection(viewer, victim).get("maintenance") == "true",
                      30, 0.5, seen=lambda: self._connection(viewer, victim))
        # a clean stop (SIGTERM), as the package's scriptlet does, then a fresh start
        for pid in self.cluster.process_pids(victim, "pacemaker-remoted"):
            os.kill(pid, signal.SIGTERM)
        live.wait_for("pacemaker-remoted to stop", lambda: not self.cluster.node_pids(victim),
                      30, 0.2)
        self.cluster.start_node(victim)
        obs.fault_at = time.time()
        interval, _timeout = self._remote_monitor(victim)
        window = self.run.profile.reconnect + interval
        while time.time() - obs.fault_at < window:
            time.sleep(2)
            obs.in_maintenance.append(self._puppet_calls(victim, obs.fault_at))
        obs.connection_in_maintenance = self._connection(viewer, victim)
        shutdown = ("crm_attribute", "--node", victim, "--name", "shutdown", "--lifetime",
                    "reboot")
        obs.shutdown_pending = bool(self.cluster.run(
            viewer, *shutdown, "--query", "--quiet", check=False).stdout.strip())
        if not obs.shutdown_pending:
            # pacemaker records the stopped daemon's request only at random: written here
            # when it did not, so every run leaves from the state that used to fence
            self.cluster.run(viewer, *shutdown, "--update", str(int(time.time())))
            obs.shutdown_injected = True
        during = {tuple(sorted(e.items())) for e in self.cluster.fence_history(viewer)}
        obs.history = [e for e in self.cluster.fence_history(viewer)
                       if tuple(sorted(e.items())) not in before]
        # leave maintenance the way the lifecycle's leave tasks do ("Drop the stopped
        # pacemaker_remoted's pending shutdown request", "Make pacemaker probe the
        # connection again", then "Clear maintenance on the pacemaker_remote connection")
        lifted = time.time()
        self.cluster.run(viewer, *shutdown, "--delete")
        self.cluster.run(viewer, "crm_resource", "--refresh", "--resource", victim)
        self.cluster.run(viewer, "crm_resource", "--resource", victim, "--meta",
                         "--delete-parameter", "maintenance")
        # a fenced compute answers again once it has booted and reconnected
        bound = self._return_bound(victim)
        while time.time() - lifted < bound:
            calls = self._puppet_calls(victim, lifted)
            obs.after_lift.append(calls)
            if all(rc == 0 for _, rc, _ in calls):
                break
            time.sleep(1)
        # leaving may fence the compute (recorded, not hidden): it then boots again
        live.wait_for("the cluster to be healthy", lambda: self.cluster.ready(viewer),
                      self._return_bound(victim), 0.5, seen=lambda: self._node_states(viewer))
        obs.returned = time.time() - lifted
        self.cluster.run(victim, "crm_attribute", "--node", victim, "--name",
                         "iha-e2e-probe", "--delete", check=False)
        obs.fenced_on_leave = [e for e in self.cluster.fence_history(viewer)
                               if tuple(sorted(e.items())) not in during
                               and e.get("action") in ("reboot", "off")]

    def _connection(self, viewer: str, name: str) -> dict:
        """crm_mon's view of a remote node: online, maintenance, and its connection's role."""
        mon = self.cluster.crm_mon(viewer)
        if mon is None:
            return {}
        node = next((n for n in mon.iterfind("nodes/node") if n.get("name") == name), None)
        res = next((r for r in mon.iter("resource") if r.get("id") == name), None)
        return {"online": node.get("online") if node is not None else None,
                "maintenance": node.get("maintenance") if node is not None else None,
                "connection": res.get("role") if res is not None else None}

    def _puppet_calls(self, node: str, since: float) -> list:
        """(seconds since *since*, rc, last output line) of each call puppet's pcs makes."""
        calls = []
        for argv in (("crm_attribute", "--node", node, "--name", "iha-e2e-probe",
                      "--update", "1"),
                     ("cibadmin", "--query", "--scope", "fencing-topology")):
            try:
                run = self.cluster.run(node, *argv, check=False, timeout=20)
                rc, out = run.returncode, (run.stdout + run.stderr).strip()
            except (live.HarnessError, subprocess.TimeoutExpired, OSError) as exc:
                rc, out = -1, str(exc)
            last = out.splitlines()[0] if rc and out else ""
            calls.append((round(time.time() - since, 1), rc, last[:200]))
        return calls
