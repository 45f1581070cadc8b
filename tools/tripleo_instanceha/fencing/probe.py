"""Ask every fence device's BMC for its power status before the deploy does.

Why: a wrong BMC password or a dead BMC otherwise shows up as a stonith
device that fails to start tens of minutes into a deploy, or as a compute
node that cannot be fenced when it dies (anchors §7: LP#1953042 only counts
devices). The probe runs each device's real fence agent the way pacemaker's
fencer runs it -- the agent alone on the command line, its options as
``key=value`` lines on stdin, ``action=status`` -- so what it reports is what
the cluster would see.

What differs from the fencer, on purpose:

- ``verbose=1`` is added, so the agent logs what the BMC answered (the
  ipmitool error, the HTTP status); without it fence_ipmilan says "Unable to
  obtain correct plug status" for a wrong password and a dead BMC alike.
  Verbose output is only read here, redacted, never shown whole.
- ``PCMK_service`` is not set. Under pacemaker-fenced the agents switch their
  own timeouts off (fence-agents' fencing.py, ``disable_timeout``) and rely on
  the fencer's; here the agent keeps them, so a dead IPMI BMC is named by the
  agent's own "Connection timed out", and the probe's per-device timeout
  (just above the agent's) kills the process group of an agent that has none
  (fence_redfish 4.12 calls ``requests.get`` without a timeout).

Secrets go to the agent on stdin only; every captured byte of its output has
each of the device's secret values replaced before it is classified or kept.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from tripleo_instanceha import yamlio
from tripleo_instanceha.errors import InputError, Problem, shorten
from tripleo_instanceha.fencing import agents as A
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.fencing.checks import printable
from tripleo_instanceha.fencing.generator import Generated, Selection, generate
from tripleo_instanceha.inventory import load_inventory
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.environment import ENV_SECTIONS, Environment
from tripleo_instanceha.plan.fencing_config import SECRET_PARAMS, FencingConfig

#: Outcomes. Only ON and OFF mean the device answered.
ON = "on"
OFF = "off"
AUTH_REFUSED = "auth-refused"
WRONG_SYSTEMS_URI = "wrong-systems-uri"
TLS_UNTRUSTED = "tls-untrusted"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
NOT_INSTALLED = "not-installed"
BAD_PARAMETERS = "bad-parameters"
ERROR = "error"
NOT_PROBED = "not-probed"
ANSWERED = (ON, OFF)
#: What each outcome tells the operator to do.
ADVICE = {
    ON: "reachable, powered on",
    OFF: "reachable, powered off",
    AUTH_REFUSED: "the BMC refused the credentials: check pm_user/pm_password",
    WRONG_SYSTEMS_URI: "the BMC has no such Redfish system: check pm_system_id "
                       "(GET /redfish/v1/Systems lists them)",
    TLS_UNTRUSTED: "the BMC's TLS certificate is not trusted: install its CA, or set "
                   "redfish_verify_ca: false",
    UNREACHABLE: "no answer from the BMC: check pm_addr/pm_port, routing and firewalls "
                 "from this host",
    TIMEOUT: "the agent did not finish in time and was killed: the BMC does not "
             "answer, or too slowly (try a longer --timeout)",
    NOT_INSTALLED: "the fence agent is not installed on this host",
    BAD_PARAMETERS: "the agent refused the device's parameters",
    ERROR: "the agent failed",
    NOT_PROBED: "not probed",
}

#: Agent -> (RHEL package, Debian package) that ships it.
PACKAGES: Dict[str, Tuple[str, str]] = {
    "fence_ipmilan": ("fence-agents-ipmilan", "fence-agents"),
    "fence_redfish": ("fence-agents-redfish", "fence-agents"),
    "fence_rhevm": ("fence-agents-rhevm", "fence-agents"),
    "fence_kubevirt": ("fence-agents-kubevirt", "fence-agents"),
    "fence_kdump": ("fence-agents-kdump", "fence-agents"),
    "ipmitool": ("ipmitool", "ipmitool"),
}
#: Agents with nothing to ask before a failure (fence_kdump waits for the crash kernel).
UNPROBED = {"fence_kdump": "fence_kdump has no BMC to ask: it waits for the crash "
                           "kernel's message"}
_AGENT_NAME = re.compile(r"fence_[a-z0-9_]+")
#: Used when the agent's metadata cannot be read (= fence_ipmilan 4.12's own bound).
FALLBACK_TIMEOUT = 30.0
#: Extra seconds over the agent's own timeouts: Python start-up and imports.
START_MARGIN = 2.0

# Patterns over the agent's (redacted) output, first match wins.
_STATUS = re.compile(r"^Status: (ON|OFF)\s*$", re.MULTILINE)
_PATTERNS: Tuple[Tuple[str, "re.Pattern[str]"], ...] = (
    (NOT_INSTALLED, re.compile(r"Ipmitool not found|No such file or directory: '[^']*ipmitool",
                               re.I)),
    (BAD_PARAMETERS, re.compile(r"password is longer than \d+ bytes|You have to enter|"
                                r"Parse error|Invalid privilege level|Cipher suite", re.I)),
    (AUTH_REFUSED, re.compile(r"Unable to establish IPMI v2 / RMCP\+ session|RAKP|"
                              r"unauthorized name|Invalid user name|invalid password|"
                              r"Activate Session|Authentication type .* not supported|"
                              r"insufficient privilege|\" 40[13] \d+", re.I)),
    (WRONG_SYSTEMS_URI, re.compile(r"\" 404 \d+", re.I)),
    (TLS_UNTRUSTED, re.compile(r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSLError",
                               re.I)),
    (UNREACHABLE, re.compile(r"Connection timed out|Connection refused|"
                             r"Failed to establish a new connection|No route to host|"
                             r"Network is unreachable|Name or service not known|"
                             r"Temporary failure in name resolution|Read timed out|"
                             r"Unable to establish IPMI v1\.5 / RMCP session|"
                             r"Connection reset", re.I)),
)
_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (ERROR|WARNING|INFO|DEBUG): ")


@dataclass(frozen=True)
class Target:
    """One device to ask: which node it fences and what pacemaker would hand its agent."""

    node: str
    agent: str
    params: Dict[str, Any] = field(hash=False)
    level: int = 1
    host_mac: Optional[str] = None

    @property
    def address(self) -> str:
        host = self.params.get("ipaddr") or self.params.get("ip") or ""
        port = self.params.get("ipport")
        return f"{host}:{port}" if host and port else str(host)

    def secrets(self) -> List[str]:
        """Values that must never leave the agent's stdin (longest first, for redaction)."""
        found = {str(v) for k, v in self.params.items()
                 if (k in SECRET_PARAMS or "passw" in k.lower()) and v not in (None, "")}
        return sorted(found, key=len, reverse=True)

    def masked_params(self) -> Dict[str, Any]:
        return {k: ("********" if k in SECRET_PARAMS or "passw" in k.lower() else v)
                for k, v in self.params.items()}


@dataclass
class Outcome:
    target: Target
    kind: str
    seconds: float = 0.0
    returncode: Optional[int] = None
    #: One redacted line from the agent saying why (empty when it answered).
    detail: str = ""
    #: For NOT_INSTALLED: (program, RHEL package, Debian package).
    missing: Optional[Tuple[str, str, str]] = None

    @property
    def answered(self) -> bool:
        return self.kind in ANSWERED

    @property
    def failed(self) -> bool:
        return not self.answered and self.kind != NOT_PROBED

    def advice(self) -> str:
        if self.kind == NOT_INSTALLED and self.missing:
            program, rhel, debian = self.missing
            return (f"{program} is not installed on this host: install {rhel} (RHEL) "
                    f"or {debian} (Debian/Ubuntu)")
        return ADVICE[self.kind]

    def to_dict(self) -> dict:
        data = {"node": self.target.node, "agent": self.target.agent,
                "level": self.target.level, "host_mac": self.target.host_mac,
                "address": self.target.address, "outcome": self.kind,
                "answered": self.answered, "returncode": self.returncode,
                "seconds": round(self.seconds, 2), "advice": self.advice(),
                "detail": self.detail, "params": self.target.masked_params()}
        if self.missing:
            data["install"] = {"program": self.missing[0], "rhel": self.missing[1],
                               "debian": self.missing[2]}
        return data


# -- building the targets --------------------------------------------------------
def targets_from_generated(generated: Generated) -> List[Target]:
    """Devices `fencing generate` would write, per node (the inventory path)."""
    targets = []
    for entry in generated.entries:
        name = entry.node.name or f"node #{entry.node.index}"
        for device in entry.devices:
            targets.append(Target(name, device.agent, dict(device.params), device.level,
                                  device.host_mac))
    return targets


def targets_from_config(config: FencingConfig, names_by_mac: Optional[Dict[str, str]] = None,
                        source: str = "FencingConfig") -> List[Target]:
    """Devices of a fencing environment; a node is named by its MAC unless an inventory
    tells its name."""
    names_by_mac = names_by_mac or {}
    targets, problems = [], []
    for index, device in enumerate(config.devices):
        where = f"FencingConfig.devices[{index}]"
        if not _AGENT_NAME.fullmatch(device.agent):
            problems.append(Problem(source, f"agent '{printable(device.agent)[:60]}' is not a "
                                    "fence agent name", field=where,
                                    fix="name an installed agent, e.g. fence_ipmilan"))
            continue
        node = names_by_mac.get(device.mac or "") or device.mac or f"device #{index}"
        targets.append(Target(node, device.agent, dict(device.params), device.level,
                              device.host_mac))
    if problems:
        raise InputError(problems)
    if not targets:
        raise InputError.single(source, "FencingConfig lists no devices",
                                field="FencingConfig.devices",
                                fix="generate it with 'tripleo-instanceha fencing generate'")
    return targets


def _value(value: Any) -> str:
    """How a parameter reaches the agent: puppet writes booleans to the CIB as text."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def check_targets(targets: Sequence[Target]) -> None:
    """Refuse parameters the agent could not read one per line (and that could
    smuggle in another option)."""
    problems = []
    for target in targets:
        node = shorten(target.node)
        for key, value in target.params.items():
            text = _value(value)
            if not re.fullmatch(r"[A-Za-z0-9_-]+", str(key)):
                problems.append(Problem(node, f"parameter name '{printable(str(key))[:40]}'"
                                        " is not an agent option", field=f"params.{shorten(key)}",
                                        fix="use the agent's option names"))
            elif "\n" in text or "\r" in text:
                problems.append(Problem(node, "holds a line break; the agent reads one "
                                        "option per line from stdin",
                                        field=f"{target.agent} {key}",
                                        fix="remove the line break from the value"))
    if problems:
        raise InputError(problems)


def stdin_text(target: Target, action: str = "status") -> str:
    """The agent's input: the device's parameters as pacemaker passes them, the action
    (status for the probe), and verbose=1 so that it says what the BMC answered."""
    lines = [f"action={action}"]
    # Like the fencer (st_actions.c, append_config_arg): pcmk_* and meta
    # attributes are pacemaker's own and never reach the agent.
    lines += [f"{k}={_value(v)}" for k, v in target.params.items()
              if k not in ("action", "verbose", "verbose_level")
              and not k.startswith(("pcmk_", "CRM_meta"))]
    lines.append("verbose=1")
    return "\n".join(lines) + "\n"


# -- timeouts --------------------------------------------------------------------
def default_timeout(agent: str) -> float:
    """The agent's own worst case for a status call, from its metadata, plus start-up.

    fence_ipmilan 4.12: power_timeout 20 (it kills ipmitool after that) +
    login_timeout 5 + shell_timeout 3 = 28 s, + 2 s = 30 s.
    """
    try:
        meta = A.metadata(agent)
    except Exception:  # not installed, or no metadata: the probe reports it per device
        return FALLBACK_TIMEOUT
    total = 0.0
    for name in ("power_timeout", "login_timeout", "shell_timeout"):
        param = meta.parameters.get(name)
        try:
            total += float(param.default) if param and param.default else 0.0
        except ValueError:
            pass
    return total + START_MARGIN if total else FALLBACK_TIMEOUT


def default_concurrency(cpus: Optional[int] = None) -> int:
    """Agents run at once: 8 per core, at most 64.

    Why: an agent spends about 0.2 s of CPU starting Python and its libraries,
    then waits on its BMC (0.1-0.9 s for a live one, 20-30 s for a dead one)
    without using any. Healthy BMCs make the probe CPU-bound (100 of them need
    about 22 CPU seconds, tests/bench/bench_probe.py); dead ones make it wait,
    and only a higher bound hides that. But the timeout counts wall time and
    agents queue for the CPU: 32 at once on 2 busy cores made healthy BMCs
    miss a 5 s timeout. Eight per core keeps the cores busy while most agents
    wait, at about 35 MB RSS per fence_redfish (21 MB per fence_ipmilan): 16
    agents on 2 cores stay under 0.6 GB.
    """
    return max(2, min(64, 8 * (cpus or os.cpu_count() or 1)))


# -- running one agent -----------------------------------------------------------
def find_agent(agent: str) -> Optional[str]:
    return shutil.which(agent) or shutil.which(agent, path="/usr/sbin:/sbin")


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "********")
    return text


def classify(returncode: Optional[int], stdout: str, stderr: str) -> Tuple[str, str]:
    """(outcome, why) from an agent's exit code and (redacted) output."""
    status = _STATUS.search(stdout)
    if status and returncode == 0 and status.group(1) == "ON":
        return ON, ""
    if status and returncode == 2 and status.group(1) == "OFF":
        return OFF, ""
    text = stdout + "\n" + stderr
    for kind, pattern in _PATTERNS:
        match = pattern.search(text)
        if match:
            return kind, _line_of(text, match.start(), match.end())
    return ERROR, _last_error(stderr) or f"exit code {returncode}"


def _clean(line: str) -> str:
    line = _LOG_PREFIX.sub("", line.strip())
    return printable(line)[:250]


def _line_of(text: str, begin: int, finish: int) -> str:
    """The log line holding a match; a long one cut around the match."""
    start = text.rfind("\n", 0, begin) + 1
    end = text.find("\n", finish)
    line = _LOG_PREFIX.sub("", text[start:end if end >= 0 else None].strip())
    if len(line) > 240:
        at = line.find(text[begin:finish])
        line = "..." + line[max(0, at - 120):at + 120] + "..."
    return _clean(line)


def _last_error(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines()
             if ln.strip() and "DeprecationWarning" not in ln and "from pipes import" not in ln
             and "Please use '-h' for usage" not in ln]
    errors = [ln for ln in lines if " ERROR: " in ln]
    return _clean((errors or lines or [""])[-1])


class _Running:
    """Process groups of agents still running, so an interrupt kills them all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.groups: set = set()

    def add(self, pgid: int) -> None:
        with self.lock:
            self.groups.add(pgid)

    def discard(self, pgid: int) -> None:
        with self.lock:
            self.groups.discard(pgid)

    def kill_all(self) -> None:
        with self.lock:
            for pgid in list(self.groups):
                _kill_group(pgid)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_agent(target: Target, timeout: float, running: Optional[_Running] = None,
              env: Optional[Dict[str, str]] = None, action: str = "status") -> Outcome:
    """Run the device's agent once (action=status unless told: `drill` powers a node off
    through the same path); never raises for agent failures."""
    if target.agent in UNPROBED:
        return Outcome(target, NOT_PROBED, detail=UNPROBED[target.agent])
    path = find_agent(target.agent)
    if path is None:
        rhel, debian = PACKAGES.get(target.agent, ("fence-agents-all", "fence-agents"))
        return Outcome(target, NOT_INSTALLED, detail=f"{target.agent} not found in PATH",
                       missing=(target.agent, rhel, debian))
    secrets = target.secrets()
    start = time.monotonic()
    try:
        # The agent alone on its command line, as pacemaker-fenced runs it; its own
        # session (= process group), so that a timeout takes its children too.
        proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                start_new_session=True, close_fds=True, env=env)
    except OSError as exc:
        return Outcome(target, ERROR, detail=f"could not start {target.agent}: "
                       f"{exc.strerror or exc}")
    if running is not None:
        running.add(proc.pid)
    timed_out = False
    try:
        try:
            out, err = proc.communicate(stdin_text(target, action), timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            out, err = proc.communicate()
    finally:
        # Whatever the agent left behind in its group. The group id cannot have
        # been given to another group yet: a pid is not reused while a group of
        # that id has members, and an empty group gets ESRCH.
        _kill_group(proc.pid)
        if running is not None:
            running.discard(proc.pid)
    seconds = time.monotonic() - start
    out, err = redact(out or "", secrets), redact(err or "", secrets)
    if timed_out:
        return Outcome(target, TIMEOUT, seconds, None,
                       f"killed after {timeout:g} s (the agent's process group)")
    kind, detail = classify(proc.returncode, out, err)
    outcome = Outcome(target, kind, seconds, proc.returncode, detail)
    if kind == NOT_INSTALLED:
        outcome.missing = ("ipmitool",) + PACKAGES["ipmitool"]
    return outcome


def probe(targets: Sequence[Target], concurrency: Optional[int] = None,
          timeout: Optional[float] = None, env: Optional[Dict[str, str]] = None,
          on_done: Optional[Callable[[Outcome], None]] = None) -> List[Outcome]:
    """Run every target's agent, at most `concurrency` at once, in the targets' order.

    `timeout` (seconds per device) defaults to each agent's own worst case
    (`default_timeout`).
    """
    check_targets(targets)
    if concurrency is not None and concurrency < 1:
        raise InputError.single("--concurrency", "must be at least 1", fix="pass e.g. 8")
    if timeout is not None and timeout <= 0:
        raise InputError.single("--timeout", "must be a positive number of seconds",
                                fix="pass e.g. 30")
    workers = concurrency or default_concurrency()
    bounds = {t.agent: timeout or default_timeout(t.agent) for t in targets}
    running = _Running()

    def one(target: Target) -> Outcome:
        outcome = run_agent(target, bounds[target.agent], running, env)
        if on_done is not None:
            on_done(outcome)
        return outcome

    pool = ThreadPoolExecutor(max_workers=min(workers, max(1, len(targets))))
    try:
        return list(pool.map(one, targets))
    except BaseException:
        running.kill_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- reading the input -----------------------------------------------------------
def _is_environment(path: str) -> bool:
    """A Heat environment (parameter_defaults: FencingConfig) rather than an inventory."""
    if not path.endswith((".yaml", ".yml", ".json")):
        return False
    data = yamlio.load_file(path)
    return isinstance(data, dict) and any(k in data for k in ENV_SECTIONS) \
        and "nodes" not in data


def load_targets(path: str, options: D.Options = D.Options(),
                 selection: Selection = Selection(),
                 nodes_file: Optional[str] = None) -> Tuple[str, List[Target], List[Problem]]:
    """('inventory' | 'environment', devices, warnings) from either kind of file.

    An inventory goes through the same generator as `fencing generate`, so the
    probe asks exactly the devices that command would write; an environment is
    read as Heat merges it and its FencingConfig parsed by the plan's model.
    """
    if _is_environment(path):
        env = Environment()
        env.add_file(path)
        if not env.has_param(P.FENCING_CONFIG):
            raise InputError.single(path, "has no FencingConfig", field="parameter_defaults",
                                    fix="pass the environment 'fencing generate' wrote, or "
                                        "the node inventory")
        config = FencingConfig.from_heat(env.param(P.FENCING_CONFIG), path)
        names: Dict[str, str] = {}
        if nodes_file:
            for node in load_inventory(nodes_file):
                for mac in node.macs:
                    if node.name:
                        names.setdefault(mac, node.name)
        targets = targets_from_config(config, names, path)
        if selection.names or selection.exclude:
            targets = [t for t in targets if (not selection.names or t.node in selection.names)
                       and t.node not in selection.exclude]
        return "environment", targets, []
    generated = generate(path, options, selection)
    return "inventory", targets_from_generated(generated), list(generated.warnings)
