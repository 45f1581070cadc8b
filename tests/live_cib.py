"""A one-controller live cluster on either cluster stack, for tests that need a real CIB daemon.

Why not a CIB file: what is under test is how the cluster's own CIB manager
serialises concurrent writers (``update_serial: 25`` runs a task on 25
computes at once, all delegated to one controller), and a file has no
manager. Why not the e2e cluster: that one runs the host's pacemaker only,
while RHOSP 16.2's 2.0.5 must be judged too.

The node is corosync plus pacemakerd in a network namespace of their own and a
private mount namespace, where per-node folders are bind-mounted over the
paths pacemaker hard-codes. For the 2.0.5 stack the daemons and every command
run chrooted into the Debian 11 root (``tools/stack-root.sh``); the mounts are
made on the root's paths inside the private namespace, so the cached root is
never changed and nothing stays mounted once the node's last process exits.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from typing import List, Optional

from tests.e2e.cluster import comm

#: a short election so the node is DC within seconds
SEED_CIB = """<cib crm_feature_set="{feature_set}" validate-with="{schema}" epoch="1"
 num_updates="0" admin_epoch="0"><configuration><crm_config>
<cluster_property_set id="cib-bootstrap-options">
<nvpair id="cib-bootstrap-options-dc-deadtime" name="dc-deadtime" value="2s"/>
<nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
</cluster_property_set></crm_config><nodes/><resources/><constraints/>
</configuration><status/></cib>
"""

COROSYNC_CONF = """totem {
    version: 2
    cluster_name: iha-cib
    transport: knet
    crypto_cipher: none
    crypto_hash: none
}
nodelist {
    node {
        ring0_addr: 127.0.0.1
        name: %(name)s
        nodeid: 1
    }
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_stderr: no
    to_syslog: no
}
"""

#: runs as the node: mounts its folders, then corosync and pacemakerd in the foreground
NODE_SCRIPT = r"""set -eu
R=$1 S=$2 NAME=$3
hostname "$NAME"
ip link set lo up
mount --make-rprivate /
[ "$R" = / ] || { mount --rbind /proc "$R/proc"; mount --rbind /dev "$R/dev"; }
mount -t tmpfs -o mode=1777,size=512m tmpfs "$R/dev/shm"
mount -t tmpfs -o mode=755,size=64m tmpfs "$R/run"
mount --bind "$S/lib-pacemaker" "$R/var/lib/pacemaker"
mount --bind "$S/lib-corosync" "$R/var/lib/corosync"
mount --bind "$S/etc-corosync" "$R/etc/corosync"
mount --bind "$S/log" "$R/var/log"
exec chroot "$R" sh -c 'corosync -f & for i in $(seq 100); do
  corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.1; done
  pacemakerd; kill $! 2>/dev/null; wait'
"""


class NodeError(RuntimeError):
    """The live node could not be started or did not come up."""


class LiveNode:
    """One controller of a one-node cluster; ``run`` executes a shell line on it."""

    def __init__(self, state: str, root: Optional[str], name: str = "iha-cib-0",
                 feature_set: str = "3.16.1", schema: str = "pacemaker-3.9") -> None:
        self.state, self.root, self.name = state, root or "/", name
        self.netns = "iha-cib-%d" % os.getpid()
        self.feature_set, self.schema = feature_set, schema
        self.proc: Optional[subprocess.Popen] = None

    def _prepare(self) -> None:
        shutil.rmtree(self.state, ignore_errors=True)
        for sub in ("lib-pacemaker/cib", "lib-pacemaker/pengine", "lib-pacemaker/blackbox",
                    "lib-pacemaker/cores", "lib-corosync", "etc-corosync",
                    "log/pacemaker", "log/corosync"):
            os.makedirs(os.path.join(self.state, sub))
        with open(os.path.join(self.state, "etc-corosync", "corosync.conf"), "w") as f:
            f.write(COROSYNC_CONF % {"name": self.name})
        with open(os.path.join(self.state, "lib-pacemaker", "cib", "cib.xml"), "w") as f:
            f.write(SEED_CIB.format(feature_set=self.feature_set, schema=self.schema))
        # the hacluster user of the stack that runs the daemons owns their folders
        passwd = os.path.join(self.root, "etc", "passwd")
        with open(passwd, encoding="utf-8") as f:
            entry = next(line.split(":") for line in f if line.startswith("hacluster:"))
        uid, gid = int(entry[2]), int(entry[3])
        for sub in ("lib-pacemaker", "log/pacemaker"):
            for base, dirs, files in os.walk(os.path.join(self.state, sub)):
                for item in [base] + [os.path.join(base, n) for n in dirs + files]:
                    os.chown(item, uid, gid)

    def start(self, timeout: float = 90) -> float:
        """Start the node and wait until it is DC and online; the seconds it took."""
        since = time.monotonic()
        self._prepare()
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)
        subprocess.run(["ip", "netns", "add", self.netns], check=True)
        script = os.path.join(self.state, "node.sh")
        with open(script, "w") as f:
            f.write(NODE_SCRIPT)
        console = open(os.path.join(self.state, "console.log"), "ab")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, "unshare", "--mount", "--uts",
             "--propagation", "private", "bash", script, self.root, self.state, self.name],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True)
        console.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise NodeError("the node exited (rc %s); see %s/console.log"
                                % (self.proc.returncode, self.state))
            mon = self.run("crm_mon --one-shot --output-as=xml", timeout=20)
            if ('online="true"' in mon.stdout and 'is_dc="true"' in mon.stdout
                    and 'with_quorum="true"' in mon.stdout):
                return time.monotonic() - since
            time.sleep(0.5)
        raise NodeError("the node was not online as DC within %ds; see %s/log"
                        % (timeout, self.state))

    def run(self, line: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """A shell line on the node, with its stack's tools, in its namespaces."""
        if self.proc is None:
            raise NodeError("the node is not started")
        cmd = ["nsenter", "--target", str(self.proc.pid), "--net", "--mount", "--uts", "--"]
        if self.root != "/":
            cmd += ["chroot", self.root]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/root"}
        return subprocess.run(cmd + ["sh", "-c", line], capture_output=True, text=True,
                              timeout=timeout, env=env)

    def pids(self) -> List[int]:
        """Every process in the node's network namespace (empty once it is down)."""
        try:
            inode = os.stat("/run/netns/" + self.netns).st_ino
        except FileNotFoundError:
            return []
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat("/proc/%s/ns/net" % entry).st_ino == inode:
                        found.append(int(entry))
                except OSError:
                    pass
        return found

    def stop(self) -> List[int]:
        """Stop the node; the pids that had to be killed (expected empty)."""
        killed: List[int] = []
        if self.proc is not None:
            for pid in self.pids():
                if comm(pid) == "pacemakerd":
                    os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            for pid in self.pids():
                killed.append(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=30)
        subprocess.run(["ip", "netns", "del", self.netns], capture_output=True)
        return killed
