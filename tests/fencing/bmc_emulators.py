"""Emulated BMCs on loopback for the fence agents: pyghmi (IPMI) and sushy-tools (Redfish, TLS).

Why a helper of its own: `fencing probe`'s tests and its benchmark need the real
`fence_ipmilan --lanplus` and `fence_redfish` talking to something that
answers like a BMC. One process hosts every IPMI BMC (pyghmi serves all its
sockets from one loop), one `sushy-emulator` with the fake driver serves every
Redfish system, so a whole module's worth of BMCs starts in about a second.

Credentials never go on a command line: the IPMI process reads its BMC list
from a 0600 file, and sushy-tools reads a bcrypt htpasswd file. That keeps the
/proc/*/cmdline test honest: any password it finds came from a process the
probe started.

For the live e2e cluster the emulators also run inside a network namespace
(``netns``, listening on ``address``) and call a power hook on every change of a
system's power state, so "off" really cuts a node and "on" boots it: the hook is
an argument list in which ``{name}`` and ``{action}`` (``off`` or ``on``) are
replaced. Power changes are immediate (sushy-tools' fake driver would delay each
by a random 1 to 11 s); each emulator's output goes to a log file in ``workdir``,
never to a pipe nobody reads.

Run as a module from the repository root (`python -m tests.fencing.bmc_emulators
ipmi CONFIG READY_FILE`) it is the IPMI process.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from tests.net import free_port

#: The repository root: the IPMI process runs as ``-m`` from there so it imports ``tests``.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: The credentials every emulated BMC accepts.
USERNAME = "admin"
PASSWORD = "s3cret-Emu-BMC-pw"
#: A password no emulated BMC accepts.
WRONG_PASSWORD = "wrong-pw-4711x"


@dataclass
class IpmiBmc:
    name: str
    port: int
    power: str = "on"


@dataclass
class RedfishSystem:
    name: str
    power: str = "On"
    uuid: str = field(default_factory=lambda: str(uuidlib.uuid4()))

    @property
    def systems_uri(self) -> str:
        return f"/redfish/v1/Systems/{self.uuid}"


class Silent:
    """Loopback sockets that take packets or connections and never answer.

    A UDP socket that is bound but never read looks to ipmitool like a BMC
    that has gone quiet; a TCP listener that never accepts completes the
    handshake in the kernel and then leaves fence_redfish waiting for TLS.
    Both drive an agent to its own timeout, or the probe's.
    """

    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(128)

    @property
    def udp_port(self) -> int:
        return self.udp.getsockname()[1]

    @property
    def tcp_port(self) -> int:
        return self.tcp.getsockname()[1]

    def close(self) -> None:
        self.udp.close()
        self.tcp.close()


def _mac(index: int) -> str:
    return "52:54:00:%02x:%02x:%02x" % (index >> 16 & 255, index >> 8 & 255, index & 255)


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _wait_ready(proc: subprocess.Popen, check, what: str, log: str,
                timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            with open(log, errors="replace") as handle:
                out = handle.read()
            raise RuntimeError(f"{what} exited with {proc.returncode}: {out[-2000:]}")
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {timeout} s")


def _tcp_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(proc: Optional[subprocess.Popen]) -> None:
    """SIGTERM the emulator's own process group, SIGKILL it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


class Emulators:
    """Start IPMI BMCs and one Redfish service; stop them on exit.

    `ipmi` are pyghmi BMCs (one UDP port each); `redfish` are systems of one
    sushy-tools fake-driver emulator serving HTTPS on `redfish_port`.
    """

    def __init__(self, ipmi: List[IpmiBmc], redfish: List[RedfishSystem],
                 workdir: Optional[str] = None, *, address: str = "127.0.0.1",
                 netns: Optional[str] = None, power_hook: Optional[List[str]] = None,
                 redfish_port: Optional[int] = None):
        self.ipmi = ipmi
        self.redfish = redfish
        self._own_dir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="bmc-emulators-")
        self.address = address
        self.netns = netns
        self.power_hook = list(power_hook or [])
        self.redfish_port = redfish_port or free_port(socket.SOCK_STREAM)
        self._procs: Dict[str, subprocess.Popen] = {}

    def _spawn(self, name: str, command: List[str], cwd: Optional[str] = None
               ) -> subprocess.Popen:
        """The emulator process, in ``netns`` when given, its output in ``<name>.log``."""
        if self.netns:
            command = ["nsenter", f"--net={self.netns}", *command]
        with open(self.log(name), "ab") as log:
            proc = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, stdin=subprocess.DEVNULL)
        self._procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        return os.path.join(self.workdir, f"{name}.log")

    def _listening(self, port: int) -> bool:
        if not self.netns:
            return _tcp_open(self.address, port)
        probe = subprocess.run(["nsenter", f"--net={self.netns}", "bash", "-c",
                                f"exec 3<>/dev/tcp/{self.address}/{port}"],
                               capture_output=True, timeout=10)
        return probe.returncode == 0

    # -- IPMI --------------------------------------------------------------
    def _start_ipmi(self) -> None:
        config = os.path.join(self.workdir, "ipmi.json")
        _write_private(config, json.dumps({
            "username": USERNAME, "password": PASSWORD, "address": self.address,
            "hook": self.power_hook,
            "bmcs": [{"name": b.name, "port": b.port, "power": b.power} for b in self.ipmi]}))
        ready = os.path.join(self.workdir, "ipmi.ready")
        command = [sys.executable, "-m", "tests.fencing.bmc_emulators", "ipmi", config, ready]
        proc = self._spawn("ipmi", command, cwd=ROOT)
        _wait_ready(proc, lambda: os.path.exists(ready), "pyghmi BMC emulator", self.log("ipmi"))

    # -- Redfish -----------------------------------------------------------
    def _start_redfish(self) -> None:
        import bcrypt

        base = os.path.join(self.workdir, "redfish")
        os.makedirs(os.path.join(base, "state"), exist_ok=True)
        cert, key = os.path.join(base, "cert.pem"), os.path.join(base, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "2",
                        "-subj", f"/CN={self.address}", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
        htpasswd = os.path.join(base, "htpasswd")
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
        _write_private(htpasswd, f"{USERNAME}:{hashed}\n")
        systems = [{"uuid": s.uuid, "name": s.name, "power_state": s.power,
                    "external_notifier": False,
                    "nics": [{"mac": _mac(i), "ip": "127.0.0.1"}]}
                   for i, s in enumerate(self.redfish)]
        conf = os.path.join(base, "emulator.conf")
        lines = [
            f"SUSHY_EMULATOR_LISTEN_IP = {self.address!r}",
            f"SUSHY_EMULATOR_LISTEN_PORT = {self.redfish_port}",
            f"SUSHY_EMULATOR_AUTH_FILE = {htpasswd!r}",
            f"SUSHY_EMULATOR_STATE_DIR = {os.path.join(base, 'state')!r}",
            f"SUSHY_EMULATOR_SSL_CERT = {cert!r}",
            f"SUSHY_EMULATOR_SSL_KEY = {key!r}",
            "SUSHY_EMULATOR_FAKE_DRIVER = True",
            f"SUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}"]
        if self.power_hook:
            # The config file is Python (Flask's from_pyfile): it can make the fake
            # driver's power changes immediate and run the hook on each of them.
            lines += [f"_HOOK = {self.power_hook!r}", _REDFISH_HOOK]
        _write_private(conf, "\n".join(lines + [""]))
        exe = shutil.which("sushy-emulator", path=os.path.dirname(sys.executable)) \
            or shutil.which("sushy-emulator")
        if exe is None:
            raise RuntimeError("sushy-emulator is not installed (pip install sushy-tools)")
        proc = self._spawn("redfish", [exe, "--config", conf])
        _wait_ready(proc, lambda: self._listening(self.redfish_port),
                    "sushy-tools Redfish emulator", self.log("redfish"))

    def start(self) -> "Emulators":
        try:
            if self.ipmi:
                self._start_ipmi()
            if self.redfish:
                self._start_redfish()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in self._procs.values():
            _stop(proc)
        self._procs.clear()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "Emulators":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _run_hook(hook: List[str], name: str, action: str) -> None:
    """The power hook for one change; its failure is logged, the BMC keeps answering."""
    if not hook:
        return
    argv = [part.replace("{name}", name).replace("{action}", action) for part in hook]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    print(f"power hook {name} {action} rc {run.returncode} {run.stdout.strip()} "
          f"{run.stderr.strip()}", flush=True)


#: Appended to sushy-tools' config when there is a power hook: immediate power changes
#: (the fake driver's set_power_state would apply them 1 to 11 s later, on a read).
_REDFISH_HOOK = """
import subprocess as _subprocess
from sushy_tools import error as _error
from sushy_tools.emulator.resources.systems import fakedriver as _fakedriver


def _set_power_state(self, identity, state):
    system = self._get(identity)
    if 'On' in state and 'Restart' not in state:
        steps = ['On']
    elif state in ('ForceOff', 'GracefulShutdown'):
        steps = ['Off']
    elif 'Restart' in state:
        steps = ['Off', 'On']
    else:
        raise _error.NotSupportedError('Power state %s is not supported' % state)
    for step in steps:
        self._update(system, power_state=step, pending_power=None)
        argv = [p.replace('{name}', system['name']).replace('{action}', step.lower())
                for p in _HOOK]
        run = _subprocess.run(argv, capture_output=True, text=True, timeout=60)
        print('power hook', system['name'], step.lower(), 'rc', run.returncode, run.stdout.strip(),
              run.stderr.strip(), flush=True)


_fakedriver.FakeDriver.set_power_state = _set_power_state
"""


def _serve_ipmi(config_path: str, ready_path: str) -> None:
    """The IPMI process: one pyghmi Bmc per configured port, all served by one loop."""
    from pyghmi.ipmi import bmc

    with open(config_path) as handle:
        config = json.load(handle)

    hook = config.get("hook") or []

    class StateBmc(bmc.Bmc):
        """Answers power status from its state; each change runs the power hook."""

        def __init__(self, authdata, port, power, name):
            super().__init__(authdata, port=port, address=config.get("address", "127.0.0.1"))
            self.power = power
            self.name = name

        def _set(self, *states):
            for state in states:
                self.power = state
                _run_hook(hook, self.name, state)

        def get_power_state(self):
            return self.power

        def power_off(self):
            self._set("off")

        def power_on(self):
            self._set("on")

        def power_reset(self):
            self._set("off", "on")

        def power_cycle(self):
            self._set("off", "on")

        def power_shutdown(self):
            self._set("off")

    auth = {config["username"]: config["password"]}
    for item in config["bmcs"]:
        StateBmc(auth, item["port"], item["power"], item["name"])
    with open(ready_path, "w") as handle:
        handle.write("ready\n")
    StateBmc.listen(timeout=30)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "ipmi":
        _serve_ipmi(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m tests.fencing.bmc_emulators ipmi CONFIG READY_FILE")
