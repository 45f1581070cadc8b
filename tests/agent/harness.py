"""The live-node harness of the evacuation agent's tests, shared by tests/agent and tests/guard.

The agent runs inside a one-node live cluster of each stack
(``tests/live_cib.py``), with the environment pacemaker-execd gives an agent
and the recording fence_evacuate stand-in next to this file first in PATH.
Every file the agent and the stand-in need is written from outside into the
node's private /run (through /proc/PID/root), so the password never appears
on any command line. A test module takes the ``node`` fixture by importing it.
"""
import os
import shlex
import shutil
import subprocess
import time

import pytest

from tests import live_cib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
AGENT = os.path.join(ROOT, "deployment", "pacemaker", "ocf", "tripleo-instanceha",
                     "NovaEvacuate")
STAND_IN = os.path.join(HERE, "fence_evacuate")
#: inside the node
RUN = "/run/iha-agent"
PASSWORD = "pw-4f1c9e7a-never-on-argv"
LOCAL = "iha-cib-0"
COMPUTE = "compute-0"
PARAMS = {
    "auth_url": "http://192.0.2.10:5000/v3", "username": "admin", "password": PASSWORD,
    "tenant_name": "admin", "user_domain": "Default", "project_domain": "Default",
    "region_name": "regionOne", "no_shared_storage": "true", "poll_interval": "1",
}


@pytest.fixture(scope="module")
def node(cluster_stack, tmp_path_factory):
    """One live node per stack for the whole module."""
    product = cluster_stack.product
    live = live_cib.LiveNode(str(tmp_path_factory.mktemp("agent-node")), cluster_stack.root,
                             name=LOCAL, feature_set=product.feature_set,
                             schema=product.schema)
    try:
        live.start()
        version = live.run("attrd_updater --version").stdout.split()
        assert version[:2] == ["Pacemaker", product.pacemaker], version
        yield live
    finally:
        killed = live.stop()
    assert not killed, "processes of the node outlived its stop: %s" % killed


class Agent:
    """The agent installed in one node's /run, started and judged like pacemaker would."""

    def __init__(self, node):
        self.node = node
        self.host_run = "/proc/%d/root%s" % (node.proc.pid, RUN)

    def install(self, **params):
        shutil.rmtree(self.host_run, ignore_errors=True)
        os.makedirs(os.path.join(self.host_run, "bin"))
        os.makedirs(os.path.join(self.host_run, "calls"))
        os.makedirs(os.path.join(self.host_run, "rsctmp"))
        shutil.copy(AGENT, os.path.join(self.host_run, "NovaEvacuate"))
        shutil.copy(STAND_IN, os.path.join(self.host_run, "bin", "fence_evacuate"))
        merged = dict(PARAMS, **params)
        env = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": "nova-evacuate-iha",
               "OCF_RESOURCE_TYPE": "NovaEvacuate", "OCF_RESOURCE_PROVIDER": "tripleo-instanceha",
               "HA_RSCTMP": RUN + "/rsctmp", "OCF_RESKEY_CRM_meta_on_node": LOCAL,
               "PATH": RUN + "/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        env.update({"OCF_RESKEY_" + k: v for k, v in merged.items() if v is not None})
        path = os.path.join(self.host_run, "env")
        with open(path, "w") as f:
            f.write("".join("export %s=%s\n" % (k, shlex.quote(v)) for k, v in env.items()))
        os.chmod(path, 0o600)

    def action(self, name: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return self.node.run(". %s/env; exec %s/NovaEvacuate %s" % (RUN, RUN, name),
                             timeout=timeout)

    def fail(self, action: str, rc: int) -> None:
        with open(os.path.join(self.host_run, "rc." + action), "w") as f:
            f.write("%d\n" % rc)

    def calls(self) -> list:
        """Each call of the stand-in, oldest first, as a dict (options under 'options')."""
        found = []
        folder = os.path.join(self.host_run, "calls")
        for name in sorted(os.listdir(folder)):
            if name.endswith(".tmp"):
                continue
            call = {"options": {}, "leak": []}
            with open(os.path.join(folder, name)) as f:
                for line in f.read().splitlines():
                    key, _, value = line.partition("=")
                    if key.startswith("option:"):
                        call["options"][key[len("option:"):]] = value
                    elif key == "leak":
                        call["leak"].append(value)
                    else:
                        call[key] = value
            found.append(call)
        return found

    def set(self, host: str, value: str) -> None:
        done = self.node.run("attrd_updater -p -n evacuate -N %s -U %s" % (host, value))
        assert done.returncode == 0, done.stderr

    def value(self, host: str) -> str:
        out = self.node.run("attrd_updater -n evacuate -Q -N %s" % host).stdout
        return out.partition('value="')[2].partition('"')[0]

    def wait_value(self, host: str, want: str, timeout: float = 30) -> float:
        since = time.monotonic()
        while time.monotonic() - since < timeout:
            if self.value(host) == want:
                return time.monotonic() - since
            time.sleep(0.3)
        raise AssertionError("evacuate of %s is %r, not %r after %ss; calls %s"
                             % (host, self.value(host), want, timeout, self.calls()))

    def wait_calls(self, count: int, timeout: float = 30) -> list:
        since = time.monotonic()
        while time.monotonic() - since < timeout:
            calls = self.calls()
            if len(calls) >= count:
                return calls
            time.sleep(0.3)
        raise AssertionError("%d calls after %ss, wanted %d: %s"
                             % (len(self.calls()), timeout, count, self.calls()))

    def worker_pids(self) -> list:
        """Workers in this node's mount namespace only: other nodes (another
        stack's, another checkout's) run the same command line at the same path."""
        out = self.node.run("pgrep -f 'NovaEvacuat[e] worker' || true").stdout
        ours = os.readlink("/proc/%d/ns/mnt" % self.node.proc.pid)
        found = []
        for pid in (int(p) for p in out.split()):
            try:
                if os.readlink("/proc/%d/ns/mnt" % pid) == ours:
                    found.append(pid)
            except OSError:  # gone meanwhile
                pass
        return found
