"""A live corosync/pacemaker cluster in network namespaces, for the e2e test.

Why: the spec's acceptance test (crash a compute, see its VM come back on the
other one) needs the real cluster stack, which needs real hosts.  Each node
here is a set of processes in its own network, mount and UTS namespace, wired
to a bridge that lives in a private "switch" namespace the harness creates, so
the machine's own interfaces are never touched and every node has its own
hostname (the plan's), IPC sockets, /run and pacemaker state.

Everything the harness starts is found again by network namespace, so
``down()`` can always remove it all: controllers first (a surviving controller
would otherwise fence and restart a compute mid-teardown), then computes, then
any node still booting, then the namespaces.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable, Optional

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
NODE_START = os.path.join(ASSETS, "bin", "node-start.sh")
SEED_CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1"
 num_updates="0" admin_epoch="0"><configuration><crm_config>
<cluster_property_set id="cib-bootstrap-options">
<nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="5s"/>
</cluster_property_set></crm_config><nodes/><resources/><constraints/>
</configuration><status/></cib>
"""


class HarnessError(RuntimeError):
    """The live cluster could not be built or did not reach the wanted state."""


@dataclass
class NodeSpec:
    name: str       # pacemaker node name and UTS hostname (the plan's hostname)
    role: str       # "controller" or "compute"
    ip: str
    key: str        # short id for namespace and veth names


def wait_for(what: str, check: Callable[[], object], timeout: float,
             interval: float = 0.25, seen: Callable[[], object] | None = None):
    """Poll *check* until it returns something truthy; the value is returned.

    On a timeout the error says what was seen last: *seen*'s value when given
    (e.g. the cluster's state), else the last value *check* returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            try:
                last = seen() if seen is not None else value
            except Exception as exc:  # the description must not hide the timeout
                last = "(could not read: %s)" % exc
            raise HarnessError("timed out after %ss waiting for %s; last seen: %s"
                               % (timeout, what, _short(last)))
        time.sleep(interval)


@contextlib.contextmanager
def stopped(pids: list[int]):
    """The processes are stopped (SIGSTOP) inside the block and always resumed after."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def comm(pid: int) -> str:
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def _short(value: object, limit: int = 600) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def keep_or_remove(workdir: str, keep_dir: str, failed: bool) -> str:
    """A failed run's directory moves under *keep_dir* (its logs, for the report); a
    passed run's goes (it holds throwaway passwords). Returns where the logs are."""
    if failed and keep_dir:
        os.makedirs(keep_dir, exist_ok=True)
        dest = os.path.join(keep_dir, os.path.basename(workdir))
        shutil.move(workdir, dest)
        return dest
    shutil.rmtree(workdir, ignore_errors=True)
    return workdir


@dataclass(frozen=True)
class RemoteSocket:
    """One established TCP socket as ``ss -tin`` shows it."""

    recv_q: int          # bytes received and not yet read by the daemon
    lastrcv_ms: int      # 0 when ss printed no lastrcv (it omits zero values)


def parse_ss(output: str) -> list[RemoteSocket]:
    """Sockets in ``ss -tinH`` output: a state line (Recv-Q first), then an info line."""
    sockets = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        fields = line.split()
        if not fields or line.startswith(("\t", " ")) or not fields[0].isdigit():
            continue
        info = lines[i + 1] if i + 1 < len(lines) else ""
        found = re.search(r"\blastrcv:(\d+)", info)
        sockets.append(RemoteSocket(int(fields[0]), int(found.group(1)) if found else 0))
    return sockets


def _run(cmd: list[str], check: bool = True, timeout: float = 60,
         **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise HarnessError("%s failed (%d): %s" % (" ".join(cmd), result.returncode,
                                                   result.stderr.strip()[-500:]))
    return result


def corosync_conf(cluster_name: str, controllers: list[NodeSpec], token_ms: int) -> str:
    nodes = "".join(
        "    node {\n        ring0_addr: %s\n        name: %s\n        nodeid: %d\n    }\n"
        % (n.ip, n.name, i + 1) for i, n in enumerate(controllers))
    return ("totem {\n    version: 2\n    cluster_name: %s\n    transport: knet\n"
            "    crypto_cipher: none\n    crypto_hash: none\n    token: %d\n}\n"
            "nodelist {\n%s}\nquorum {\n    provider: corosync_votequorum\n}\n"
            "logging {\n    to_logfile: yes\n    logfile: /var/log/corosync/corosync.log\n"
            "    to_stderr: no\n    to_syslog: no\n    timestamp: on\n}\n"
            % (cluster_name, token_ms, nodes))


class LiveCluster:
    """3 controllers + N pacemaker_remote computes + an "api" namespace."""

    def __init__(self, prefix: str, state_dir: str, nodes: list[NodeSpec], api_ip: str,
                 remoted: str, token_ms: int = 1000, held_stopped: tuple = (),
                 services: Optional[dict] = None) -> None:
        self.prefix = prefix
        #: compute name -> a shell script each boot of that node starts beside
        #: pacemaker-remoted (its nova-compute); written to the node's "services" file
        self.services = dict(services or {})
        #: resources the configuration keeps stopped (puppet's nova-evacuate beside ours)
        self.held_stopped = frozenset(held_stopped)
        self.state = state_dir
        self.nodes = {n.name: n for n in nodes}
        self.api_ip = api_ip
        self.remoted = remoted
        self.token_ms = token_ms
        self.netns_inodes: set[str] = set()
        self.network_up = False

    # --- naming ---------------------------------------------------------------
    @property
    def controllers(self) -> list[str]:
        return [n for n, s in self.nodes.items() if s.role == "controller"]

    @property
    def computes(self) -> list[str]:
        return [n for n, s in self.nodes.items() if s.role == "compute"]

    def netns(self, key: str) -> str:
        return "%s%s" % (self.prefix, key)

    def netns_path(self, key: str) -> str:
        return "/run/netns/%s" % self.netns(key)

    def node_dir(self, name: str) -> str:
        return os.path.join(self.state, "nodes", name)

    # --- network ----------------------------------------------------------------
    def _all_keys(self) -> list[str]:
        return [s.key for s in self.nodes.values()] + ["api", "sw"]

    def remove_stale(self) -> list[str]:
        """Remove what an earlier, killed run left under our prefix; returns those names."""
        stale = [k for k in self._all_keys() if os.path.exists(self.netns_path(k))]
        for key in stale:
            self.netns_inodes.add(str(os.stat(self.netns_path(key)).st_ino))
        if stale:
            for pid in self.pids(self.netns_inodes):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            wait_for("stale processes to exit", lambda: not self.pids(self.netns_inodes), 30)
            for key in stale:
                _run(["ip", "netns", "del", self.netns(key)], check=False)
            self.netns_inodes.clear()
        return [self.netns(k) for k in stale]

    def create_network(self) -> None:
        if self.network_up:
            return
        self.network_up = True
        self.remove_stale()
        sw = self.netns("sw")
        _run(["ip", "netns", "add", sw])
        self._remember_netns("sw")
        _run(["ip", "-n", sw, "link", "set", "lo", "up"])
        _run(["ip", "-n", sw, "link", "add", "br0", "type", "bridge"])
        _run(["ip", "-n", sw, "link", "set", "br0", "up"])
        for key, ip in [(s.key, s.ip) for s in self.nodes.values()] + [("api", self.api_ip)]:
            ns = self.netns(key)
            _run(["ip", "netns", "add", ns])
            self._remember_netns(key)
            _run(["ip", "-n", ns, "link", "set", "lo", "up"])
            # the veth pair is created inside the namespaces, never in the host's
            _run(["ip", "-n", sw, "link", "add", "sw-%s" % key, "type", "veth",
                  "peer", "name", "eth0", "netns", ns])
            _run(["ip", "-n", sw, "link", "set", "sw-%s" % key, "master", "br0", "up"])
            _run(["ip", "-n", ns, "addr", "add", "%s/24" % ip, "dev", "eth0"])
            _run(["ip", "-n", ns, "link", "set", "eth0", "up"])

    def _remember_netns(self, key: str) -> None:
        ino = str(os.stat(self.netns_path(key)).st_ino)
        self.netns_inodes.add(ino)
        with open(os.path.join(self.state, "netns-inodes"), "a") as f:
            f.write(ino + "\n")

    def set_link(self, name: str, up: bool) -> None:
        """Plug or pull the node's "cable" (its port on the switch)."""
        key = self.nodes[name].key
        _run(["ip", "-n", self.netns("sw"), "link", "set", "sw-%s" % key,
              "up" if up else "down"])

    def remote_socket(self, name: str) -> "RemoteSocket | None":
        """The node's side of its established remote connection (port 3121), as the
        kernel reports it: unread bytes and milliseconds since data last arrived."""
        out = _run(["ip", "netns", "exec", self.netns(self.nodes[name].key), "ss", "-tinH",
                    "state", "established", "( sport = :3121 )"], check=False).stdout
        sockets = parse_ss(out)
        return min(sockets, key=lambda s: s.lastrcv_ms) if sockets else None

    def hold_monitor(self, name: str, pids: list[int], timeout: float,
                     hold: float = 0.0) -> list:
        """Stop the node's pacemaker-remoted until the next monitor request is queued
        on its socket, keep it stopped *hold* seconds more, then let it answer; returns
        the readings taken (with *hold*, the last one is taken just before the resume).

        Why this shape: pacemaker starts a remote connection's next monitor at most
        one interval after the previous one ended, and while the daemon is stopped the
        request stays in the socket's receive queue, which the kernel always reports
        (``lastrcv`` is not enough: ss omits it whenever it is 0, so a reading taken in
        the very tick a monitor arrives shows no value at all).  *timeout* is more
        than one interval (scenarios.monitor_wait), and the request is late only from
        its arrival: by the reading's latency, plus *hold*, kept below the monitor
        timeout (scenarios.slow_monitor_hold), so the held monitor never fails.
        """
        seen: list = []
        with stopped(pids):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                sock = self.remote_socket(name)
                seen.append(sock)
                if sock is not None and sock.recv_q > 0:
                    break
                time.sleep(0.05)
            else:
                raise HarnessError(
                    "no monitor request reached %s within %ss with its pacemaker-remoted "
                    "stopped; last readings: %s" % (name, timeout, seen[-3:]))
            if hold:
                time.sleep(hold)
                seen.append(self.remote_socket(name))

        def answered() -> bool:
            sock = self.remote_socket(name)
            return sock is not None and sock.recv_q == 0

        wait_for("%s to answer the held monitor" % name, answered, 5, 0.05,
                 seen=lambda: self.remote_socket(name))
        return seen

    # --- nodes -----------------------------------------------------------------
    def prepare(self) -> None:
        os.makedirs(os.path.join(self.state, "nodes"), exist_ok=True)
        with open(os.path.join(self.state, "harness.pid"), "w") as f:
            f.write(str(os.getpid()))
        with open(os.path.join(self.state, "remoted"), "w") as f:
            f.write(self.remoted)
        conf = corosync_conf("iha-e2e", [self.nodes[n] for n in self.controllers],
                             self.token_ms)
        for spec in self.nodes.values():
            nd = self.node_dir(spec.name)
            os.makedirs(os.path.join(nd, "etc-corosync"), exist_ok=True)
            os.makedirs(os.path.join(nd, "lib-pacemaker", "cib"), exist_ok=True)
            for fname, text in (("role", spec.role), ("netns", self.netns(spec.key)),
                                ("netns_ino", str(os.stat(self.netns_path(spec.key)).st_ino))):
                with open(os.path.join(nd, fname), "w") as f:
                    f.write(text + "\n")
            if spec.name in self.services:
                path = os.path.join(nd, "services")
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o700),
                          "w") as f:
                    f.write(self.services[spec.name])
            if spec.role == "controller":
                with open(os.path.join(nd, "etc-corosync", "corosync.conf"), "w") as f:
                    f.write(conf)
                with open(os.path.join(nd, "lib-pacemaker", "cib", "cib.xml"), "w") as f:
                    f.write(SEED_CIB)

    def start_node(self, name: str) -> None:
        _run([NODE_START, self.state, name])

    def pids(self, inodes: set[str]) -> list[int]:
        want = {"net:[%s]" % i for i in inodes}
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink("/proc/%s/ns/net" % entry) in want:
                        found.append(int(entry))
                except OSError:
                    pass
        return found

    def node_pids(self, name: str) -> list[int]:
        return self.pids({str(os.stat(self.netns_path(self.nodes[name].key)).st_ino)})

    def kill_node(self, name: str, sig: int = signal.SIGKILL) -> list[int]:
        """Kill every process of a node (a crash, or a power cut)."""
        killed = []
        for _ in range(50):
            pids = self.node_pids(name)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, sig)
                    killed.append(pid)
                except OSError:
                    pass
            if sig != signal.SIGKILL:
                break
            time.sleep(0.1)
        return killed

    def process_pids(self, name: str, command: str) -> list[int]:
        """The node's processes running *command* (e.g. pacemaker-remoted), or an error."""
        pids = [p for p in self.node_pids(name) if comm(p) == command[:15]]
        if not pids:
            raise HarnessError("no %s process on %s" % (command, name))
        return pids

    def kill_process(self, name: str, command: str) -> int:
        """SIGKILL the node's process running *command* (e.g. pacemaker-remoted)."""
        for pid in self.process_pids(name, command):
            try:
                os.kill(pid, signal.SIGKILL)
                return pid
            except OSError:
                pass
        raise HarnessError("no %s process on %s" % (command, name))

    def node_pid(self, name: str) -> int:
        with open(os.path.join(self.node_dir(name), "pid")) as f:
            pid = int(f.read())
        if not os.path.exists("/proc/%d" % pid):
            raise HarnessError("node %s is not running" % name)
        return pid

    def run(self, name: str, *cmd: str, check: bool = True, timeout: float = 30,
            input: str | None = None) -> subprocess.CompletedProcess:
        """Run a command "on" a node (its network, mount and UTS namespaces)."""
        return _run(["nsenter", "-t", str(self.node_pid(name)), "-n", "-m", "-u", *cmd],
                    check=check, timeout=timeout, input=input)

    def viewer(self, avoid: tuple[str, ...] = ()) -> str:
        """A running controller to ask for the cluster's view."""
        for name in self.controllers:
            if name in avoid:
                continue
            try:
                self.node_pid(name)
                return name
            except (OSError, ValueError, HarnessError):
                continue
        raise HarnessError("no controller is running")

    # --- cluster state --------------------------------------------------------
    def crm_mon(self, viewer: str) -> ET.Element | None:
        res = self.run(viewer, "crm_mon", "-1", "--output-as=xml", check=False)
        if res.returncode != 0:
            return None
        try:
            return ET.fromstring(res.stdout)
        except ET.ParseError:
            return None

    def fence_history(self, viewer: str) -> list[dict]:
        """Pacemaker's own fencing history (every event, not the last per node)."""
        res = self.run(viewer, "stonith_admin", "--history", "*", "--verbose",
                       "--output-as=xml", check=False)
        try:
            root = ET.fromstring(res.stdout)
        except ET.ParseError:
            return []
        return [dict(e.attrib) for e in root.iter("fence_event")]

    def history_keys(self, viewer: str) -> set:
        """Every fencing event so far, hashable: what a later look must not count again."""
        return {tuple(sorted(e.items())) for e in self.fence_history(viewer)}

    def new_fencings(self, viewer: str, before: set, targets) -> list[dict]:
        """The completed fencing (reboot or off) of any of *targets* since *before*."""
        return [e for e in self.fence_history(viewer)
                if tuple(sorted(e.items())) not in before and e.get("target") in targets
                and e.get("action") in ("reboot", "off") and e.get("status") == "success"]

    def ready(self, viewer: str) -> bool:
        """All nodes online and every active resource started, nothing failed."""
        mon = self.crm_mon(viewer)
        if mon is None:
            return False
        nodes = {n.get("name"): n for n in mon.iterfind("nodes/node")}
        for name in self.nodes:
            node = nodes.get(name)
            if node is None or node.get("online") != "true" or node.get("unclean") == "true":
                return False
            if name in self.computes and int(node.get("resources_running", "0")) == 0:
                return False
        top = mon.find("resources")
        if top is None or any(r.get("failed") == "true" or r.get("role") != (
                "Stopped" if r.get("id") in self.held_stopped else "Started")
                for r in top.findall("resource")):
            return False
        for clone in top.findall("clone"):  # stopped instances are the nodes it may not use
            started = [r for r in clone.findall("resource") if r.get("role") == "Started"]
            if len(started) < len(self.computes) or clone.get("failed") == "true":
                return False
        return bool(top.findall("resource"))

    def running_on(self, viewer: str, resource_id: str) -> list[str]:
        mon = self.crm_mon(viewer)
        if mon is None:
            return []
        return [n.get("name") for r in mon.iter("resource") if r.get("id") == resource_id
                and r.get("role") == "Started" for n in r.iter("node")]

    # --- life cycle -------------------------------------------------------------
    def up(self, configuration: str, timeout: float = 120) -> float:
        """Start every node, load *configuration* once the DC is elected; seconds taken."""
        start = time.monotonic()
        self.create_network()
        self.prepare()
        for name in self.controllers + self.computes:
            self.start_node(name)
        first = self.controllers[0]

        def controllers_online() -> bool:
            mon = self.crm_mon(first)
            if mon is None or mon.find(".//current_dc[@present='true']") is None:
                return False
            online = {n.get("name") for n in mon.iterfind("nodes/node")
                      if n.get("online") == "true"}
            return set(self.controllers) <= online

        wait_for("the controllers to elect a DC", controllers_online, timeout)
        path = os.path.join(self.node_dir(first), "run", "cib-configuration.xml")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds passwords
        with os.fdopen(fd, "w") as f:
            f.write(configuration)
        self.run(first, "cibadmin", "--replace", "--scope", "configuration",
                 "--xml-file", "/run/cib-configuration.xml")
        os.unlink(path)
        wait_for("every resource to start", lambda: self.ready(first), timeout, 0.5)
        self.settle(first, timeout)
        return time.monotonic() - start

    def settle(self, viewer: str, timeout: float = 120) -> None:
        """Wait until the cluster has no transition in flight.

        A remote connection that fails while the transition that started it is
        still running is only acted upon at the next cluster-recheck-interval
        (pacemaker 2.1.5), so faults are injected into an idle cluster only.
        """
        self.run(viewer, "crm_resource", "--wait", "--timeout=%ds" % timeout,
                 timeout=timeout + 10)

    def down(self) -> list[str]:
        """Remove every process and namespace of the cluster; returns leftovers (none)."""
        problems = []
        nodes_dir = os.path.join(self.state, "nodes")
        if os.path.isdir(nodes_dir):
            self._cancel_boots()
            for group in (self.controllers, self.computes):
                for name in group:
                    if os.path.exists(self.netns_path(self.nodes[name].key)):
                        self.kill_node(name)
        for _ in range(100):
            self._cancel_boots()
            left = self.pids(self.netns_inodes)
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)
        else:
            problems.append("processes left: %s" % self.pids(self.netns_inodes))
        for key in self._all_keys():
            if os.path.exists(self.netns_path(key)):
                res = _run(["ip", "netns", "del", self.netns(key)], check=False)
                if res.returncode != 0:
                    problems.append("netns %s: %s" % (self.netns(key), res.stderr.strip()))
        self.network_up = False
        return problems

    def _cancel_boots(self) -> None:
        nodes_dir = os.path.join(self.state, "nodes")
        for name in os.listdir(nodes_dir) if os.path.isdir(nodes_dir) else ():
            path = os.path.join(nodes_dir, name, "boot.pid")
            try:
                with open(path) as f:
                    os.killpg(int(f.read()), signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def remove_state(self) -> None:
        shutil.rmtree(self.state, ignore_errors=True)
