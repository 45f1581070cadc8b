"""`fencing probe` against emulated BMCs, through the real fence agents.

The judges are real: pyghmi's IPMI BMC behind Debian's `fence_ipmilan
--lanplus` (and ipmitool), sushy-tools' fake Redfish driver over TLS behind
`fence_redfish`. Every outcome below is classified from what those agents
printed and returned. One emulator set serves the whole module.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest
import yaml

from tests.fencing import bmc_emulators as E
from tests.net import free_port
from tripleo_instanceha.fencing import probe as PR

BIN = os.path.dirname(sys.executable)
TOOL = os.path.join(BIN, "tripleo-instanceha")
OSC = os.path.join(BIN, "openstack")
SECRETS = (E.PASSWORD, E.WRONG_PASSWORD)
#: Short enough for CI, long enough for a live BMC on a busy machine (status takes 0.2-0.9 s
#: alone, up to 6 s measured with 16 agents on 2 cores at load average 24).
SHORT = "10"


def _ensure_tools():
    """The agents, ipmitool and the emulators: install what is missing, never skip."""
    missing = [p for p, exe in (("fence-agents", "fence_ipmilan"), ("ipmitool", "ipmitool"),
                                ("openssl", "openssl"))
               if not (shutil.which(exe) or shutil.which(exe, path="/usr/sbin:/usr/bin"))]
    if missing:
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                       check=True, capture_output=True, env={**os.environ,
                                                             "DEBIAN_FRONTEND": "noninteractive"})
    try:
        import pyghmi  # noqa: F401
        import sushy_tools  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pyghmi", "sushy-tools",
                        "bcrypt"], check=True, capture_output=True)


class Lab:
    """The module's BMCs and the addresses of the failure cases."""

    def __init__(self):
        self.ipmi_on = E.IpmiBmc("ipmi-on", free_port(socket.SOCK_DGRAM), "on")
        self.ipmi_off = E.IpmiBmc("ipmi-off", free_port(socket.SOCK_DGRAM), "off")
        self.ipmi_other = E.IpmiBmc("ipmi-other", free_port(socket.SOCK_DGRAM), "on")
        self.rf_on = E.RedfishSystem("rf-on", "On")
        self.rf_off = E.RedfishSystem("rf-off", "Off")
        self.rf_other = E.RedfishSystem("rf-other", "On")
        self.silent = E.Silent()
        self.closed_udp = free_port(socket.SOCK_DGRAM)
        self.closed_tcp = free_port(socket.SOCK_STREAM)
        self.emulators = E.Emulators([self.ipmi_on, self.ipmi_off, self.ipmi_other],
                                     [self.rf_on, self.rf_off, self.rf_other])

    def close(self):
        self.emulators.stop()
        self.silent.close()


@pytest.fixture(scope="module")
def lab():
    _ensure_tools()
    lab = Lab()
    lab.emulators.start()
    yield lab
    lab.close()


_MAC = iter(range(1, 1 << 16))


def ipmi(name, port, password=E.PASSWORD):
    return {"name": name, "pm_type": "ipmi", "pm_addr": "127.0.0.1", "pm_port": port,
            "pm_user": E.USERNAME, "pm_password": password,
            "ports": [{"address": "52:54:00:aa:%02x:%02x" % divmod(next(_MAC), 256)}]}


def redfish(name, port, system, password=E.PASSWORD, verify_ca=False):
    return {"name": name, "pm_type": "redfish", "pm_addr": "127.0.0.1", "pm_port": port,
            "pm_user": E.USERNAME, "pm_password": password, "pm_system_id": system,
            "redfish_verify_ca": verify_ca,
            "ports": [{"address": "52:54:00:bb:%02x:%02x" % divmod(next(_MAC), 256)}]}


def write_inventory(tmp_path, nodes, name="instackenv.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"nodes": nodes}))
    return str(path)


def run(*args, tool=TOOL, timeout=120):
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=timeout)


def by_node(result):
    data = json.loads(result.stdout)
    return {r["node"]: r for r in data["results"]}, data


def assert_no_secret(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


# -- the outcome matrix, from the inventory ------------------------------------------
@pytest.fixture(scope="module")
def inventory_run(lab, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inventory")
    rf = lab.emulators.redfish_port
    nodes = [
        ipmi("ipmi-on", lab.ipmi_on.port),
        ipmi("ipmi-off", lab.ipmi_off.port),
        ipmi("ipmi-wrong-password", lab.ipmi_other.port, E.WRONG_PASSWORD),
        ipmi("ipmi-silent", lab.silent.udp_port),
        redfish("rf-on", rf, lab.rf_on.uuid),
        redfish("rf-off", rf, lab.rf_off.uuid),
        redfish("rf-wrong-password", rf, lab.rf_other.uuid, E.WRONG_PASSWORD),
        redfish("rf-wrong-uri", rf, "no-such-system"),
        redfish("rf-refused", lab.closed_tcp, lab.rf_on.uuid),
        redfish("rf-silent", lab.silent.tcp_port, lab.rf_on.uuid),
    ]
    path = write_inventory(tmp, nodes)
    # Both reports at once: each waits SHORT seconds on its silent BMCs.
    procs = [subprocess.Popen([TOOL, "fencing", "probe", path, *extra, "--timeout", SHORT],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for extra in (("--format", "json"), ("--concurrency", "10"))]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return tuple(done)


@pytest.mark.parametrize("node,agent,outcome", [
    ("ipmi-on", "fence_ipmilan", PR.ON),
    ("ipmi-off", "fence_ipmilan", PR.OFF),
    ("ipmi-wrong-password", "fence_ipmilan", PR.AUTH_REFUSED),
    ("ipmi-silent", "fence_ipmilan", PR.TIMEOUT),
    ("rf-on", "fence_redfish", PR.ON),
    ("rf-off", "fence_redfish", PR.OFF),
    ("rf-wrong-password", "fence_redfish", PR.AUTH_REFUSED),
    ("rf-wrong-uri", "fence_redfish", PR.WRONG_SYSTEMS_URI),
    ("rf-refused", "fence_redfish", PR.UNREACHABLE),
    ("rf-silent", "fence_redfish", PR.TIMEOUT),
])
def test_each_outcome_is_classified_from_the_real_agent(inventory_run, node, agent, outcome):
    result, _ = inventory_run
    results, _ = by_node(result)
    assert results[node]["agent"] == agent
    assert results[node]["outcome"] == outcome, results[node]
    assert results[node]["answered"] is (outcome in PR.ANSWERED)


def test_agents_own_words_explain_each_failure(inventory_run):
    results, _ = by_node(inventory_run[0])
    assert "RMCP+ session" in results["ipmi-wrong-password"]["detail"]
    assert '" 401 ' in results["rf-wrong-password"]["detail"]
    assert '" 404 ' in results["rf-wrong-uri"]["detail"]
    assert "Connection refused" in results["rf-refused"]["detail"]
    assert f"killed after {SHORT} s" in results["rf-silent"]["detail"]
    assert results["ipmi-on"]["returncode"] == 0 and results["ipmi-off"]["returncode"] == 2


def test_exit_code_and_reports_hold_no_secret(inventory_run):
    json_run, text_run = inventory_run
    assert json_run.returncode == 1 and text_run.returncode == 1, text_run.stderr
    _, data = by_node(json_run)
    assert data["input_kind"] == "inventory"
    assert (data["devices"], data["answered"], data["failed"]) == (10, 4, 6)
    assert all(r["params"]["passwd"] == "********" for r in data["results"])
    assert_no_secret(json_run.stdout, json_run.stderr, text_run.stdout, text_run.stderr)
    lines = text_run.stdout.splitlines()
    assert any(ln.startswith("rf-wrong-uri") and "wrong-systems-uri" in ln for ln in lines)
    assert lines[-1] == "6 device(s) did not answer"
    assert "Traceback" not in text_run.stderr + json_run.stderr


def test_every_device_answering_exits_0_also_under_openstack(lab, tmp_path):
    rf = lab.emulators.redfish_port
    path = write_inventory(tmp_path, [ipmi("c0", lab.ipmi_on.port), ipmi("c1", lab.ipmi_off.port),
                                      redfish("c2", rf, lab.rf_on.uuid)])
    result = run("fencing", "probe", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "every device answered"
    osc = run("overcloud", "instance-ha", "fencing", "probe", path, "-f", "json", tool=OSC)
    assert osc.returncode == 0, osc.stderr
    results, _ = by_node(osc)
    assert [results[n]["outcome"] for n in ("c0", "c1", "c2")] == [PR.ON, PR.OFF, PR.ON]


# -- from a fencing environment ------------------------------------------------------
def test_a_generated_environment_is_probed_device_by_device(lab, tmp_path):
    inv = write_inventory(tmp_path, [ipmi("c0", lab.ipmi_on.port),
                                     redfish("c1", lab.emulators.redfish_port, lab.rf_off.uuid)])
    env = tmp_path / "fencing.yaml"
    gen = run("fencing", "generate", inv, "-o", str(env))
    assert gen.returncode == 0, gen.stderr
    result = run("fencing", "probe", str(env), "--nodes", inv, "-f", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    results, data = by_node(result)
    assert data["input_kind"] == "environment"
    assert {n: r["outcome"] for n, r in results.items()} == {"c0": PR.ON, "c1": PR.OFF}


def test_an_inventory_that_asks_for_verification_gets_it(lab, tmp_path):
    """redfish_verify_ca true, "true" or a CA file: the device must verify the certificate.

    fence-agents reads ``ssl_insecure=false`` as set (fencing.py stores "0" under
    --ssl-insecure, fence_redfish tests only that the key is there), so a device
    that verifies has no ssl_insecure at all. The emulator's certificate is
    self-signed: a device that verifies refuses it (one that does not answers, as
    rf-on in the matrix above shows).
    """
    rf = lab.emulators.redfish_port
    nodes = [redfish("v-bool", rf, lab.rf_on.uuid, verify_ca=True),
             redfish("v-text", rf, lab.rf_off.uuid, verify_ca="true"),
             redfish("v-ca-file", rf, lab.rf_other.uuid,
                     verify_ca="/etc/ssl/certs/ca-certificates.crt")]
    result = run("fencing", "probe", write_inventory(tmp_path, nodes), "-f", "json",
                 "--timeout", SHORT)
    assert result.returncode == 1, result.stdout + result.stderr
    results, _ = by_node(result)
    assert {n: r["outcome"] for n, r in results.items()} == dict.fromkeys(
        ("v-bool", "v-text", "v-ca-file"), PR.TLS_UNTRUSTED), result.stdout
    assert {n: r["params"].get("ssl_insecure") for n, r in results.items()} == dict.fromkeys(
        ("v-bool", "v-text", "v-ca-file"))


def test_environment_only_failures(lab, tmp_path):
    """What only a hand-written FencingConfig can hold: agent timeouts, a missing agent,
    a missing ipmitool, fence_kdump, an over-long IPMI password; and verified TLS
    from a device written by hand."""
    base = {"ipaddr": "127.0.0.1", "login": E.USERNAME, "passwd": E.PASSWORD}
    devices = [
        # the agent's own timeout fires first: its own "Connection timed out"
        {"agent": "fence_ipmilan", "host_mac": "52:54:00:cc:00:01",
         "params": {**base, "ipport": lab.closed_udp, "lanplus": True, "power_timeout": 2}},
        {"agent": "fence_no_such_agent", "host_mac": "52:54:00:cc:00:02", "params": base},
        {"agent": "fence_ipmilan", "host_mac": "52:54:00:cc:00:03",
         "params": {**base, "ipport": lab.ipmi_on.port, "lanplus": True,
                    "ipmitool_path": "/nonexistent/ipmitool"}},
        {"agent": "fence_redfish", "host_mac": "52:54:00:cc:00:04",
         "params": {**base, "ipport": lab.emulators.redfish_port,
                    "systems_uri": lab.rf_on.systems_uri}},
        {"agent": "fence_kdump", "host_mac": "52:54:00:cc:00:05", "params": {}},
        {"agent": "fence_ipmilan", "host_mac": "52:54:00:cc:00:06",
         "params": {**base, "passwd": E.PASSWORD * 2, "ipport": lab.ipmi_on.port,
                    "lanplus": True}},
    ]
    env = tmp_path / "env.yaml"
    env.write_text(yaml.safe_dump({"parameter_defaults": {
        "EnableFencing": True, "FencingConfig": {"devices": devices}}}))
    result = run("fencing", "probe", str(env), "-f", "json", "--timeout", "15")
    assert result.returncode == 1, result.stderr
    results, _ = by_node(result)
    got = {mac[-2:]: r for mac, r in results.items()}
    assert got["01"]["outcome"] == PR.UNREACHABLE
    assert "Connection timed out" in got["01"]["detail"]
    assert got["02"]["outcome"] == PR.NOT_INSTALLED
    assert got["03"]["outcome"] == PR.NOT_INSTALLED
    assert got["03"]["install"] == {"program": "ipmitool", "rhel": "ipmitool",
                                    "debian": "ipmitool"}
    assert got["04"]["outcome"] == PR.TLS_UNTRUSTED
    assert got["05"]["outcome"] == PR.NOT_PROBED
    assert got["06"]["outcome"] == PR.BAD_PARAMETERS
    assert "longer than 20 bytes" in got["06"]["detail"]
    assert_no_secret(result.stdout, result.stderr)
    assert E.PASSWORD * 2 not in result.stdout


def test_a_missing_fence_agent_names_the_packages(tmp_path):
    target = PR.Target("c0", "fence_redfish", {"ipaddr": "127.0.0.1"})
    saved = PR.find_agent
    PR.find_agent = lambda agent: None  # as on an undercloud without fence-agents
    try:
        outcome = PR.run_agent(target, 5)
    finally:
        PR.find_agent = saved
    assert outcome.kind == PR.NOT_INSTALLED
    assert "fence-agents-redfish (RHEL) or fence-agents (Debian" in outcome.advice()


# -- could not run: exit 2, one message, no traceback, no secret ----------------------
@pytest.mark.parametrize("env,needle", [
    ({"parameter_defaults": {"EnableFencing": True}}, "has no FencingConfig"),
    ({"parameter_defaults": {"FencingConfig": {"devices": [
        {"agent": "../../bin/sh", "params": {}}]}}}, "is not a fence agent name"),
    ({"parameter_defaults": {"FencingConfig": {"devices": [
        {"agent": "fence_ipmilan", "host_mac": "52:54:00:dd:00:01",
         "params": {"ipaddr": "127.0.0.1", "passwd": E.PASSWORD + "\nipmitool_path=/bin/sh"}}]}}},
     "holds a line break"),
])
def test_bad_input_exits_2_with_one_clear_message(tmp_path, env, needle):
    path = tmp_path / "env.yaml"
    path.write_text(yaml.safe_dump(env))
    result = run("fencing", "probe", str(path))
    assert result.returncode == 2
    assert needle in result.stderr and str(path) in result.stderr + result.stdout \
        or needle in result.stderr
    assert "fix:" in result.stderr and "Traceback" not in result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_an_unreadable_inventory_exits_2(tmp_path):
    bad = tmp_path / "instackenv.json"
    bad.write_text('{"nodes": [')
    result = run("fencing", "probe", str(bad))
    assert result.returncode == 2 and "broken JSON" in result.stderr
    assert "Traceback" not in result.stderr


# -- secrets on process command lines -------------------------------------------------
def _processes():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
            with open(f"/proc/{pid}/environ", "rb") as handle:
                environ = handle.read()
            with open(f"/proc/{pid}/stat", "rb") as handle:
                ppid = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        yield int(pid), [a.decode(errors="replace") for a in argv if a], \
            environ.decode(errors="replace"), ppid


def scan_while(proc, secret=E.PASSWORD):
    """Read every process's command line and environment until `proc` exits.

    Returns (leaks, ipmitool -P calls seen, most fence agents alive at once).
    ipmitool 1.8.19 overwrites its -P argument with X's right after parsing
    it (about a millisecond after exec), so its call is recognised by the
    clear password or by X's of the same length after -P.
    """
    masked = "X" * len(secret)
    leaks, ipmitool_calls, agents_at_once = [], set(), 0
    while proc.poll() is None:
        agents = 0
        for pid, argv, environ, ppid in _processes():
            # The agents the probe started (an agent's own fork before it execs
            # ipmitool looks like the agent too, but is the agent's child).
            if ppid == proc.pid and any(a.endswith(("fence_ipmilan", "fence_redfish"))
                                        for a in argv[:3]):
                agents += 1
            if secret in environ:
                leaks.append(("environ", pid, argv[:1]))
            is_ipmitool = bool(argv) and os.path.basename(argv[0]) == "ipmitool"
            if is_ipmitool and "-P" in argv[:-1]:
                value = argv[argv.index("-P") + 1]
                if value in (secret, masked):
                    ipmitool_calls.add(pid)
            for at, arg in enumerate(argv):
                if secret in arg and not (is_ipmitool and at > 0 and argv[at - 1] == "-P"
                                          and arg == secret):
                    leaks.append(("cmdline", pid, argv))
        agents_at_once = max(agents_at_once, agents)
        time.sleep(0.005)
    return leaks, len(ipmitool_calls), agents_at_once


def test_no_password_on_any_command_line_but_ipmitools_own(lab, tmp_path):
    """Scan /proc while the probe runs: no process holds the password on its command line
    or in its environment, except ipmitool's `-P <password>` (fence_ipmilan's own
    exposure, documented); the probe gives it to the agents on stdin only. The scan
    must see those ipmitool calls, or it proves nothing."""
    quiet = [E.Silent() for _ in range(3)]
    nodes = [ipmi(f"silent-{i}", q.udp_port) for i, q in enumerate(quiet)] + \
        [ipmi("live", lab.ipmi_on.port),
         redfish("rf", lab.emulators.redfish_port, lab.rf_on.uuid)]
    path = write_inventory(tmp_path, nodes)
    proc = subprocess.Popen([TOOL, "fencing", "probe", path, "--timeout", "3",
                             "--concurrency", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    leaks, ipmitool_calls, agents_at_once = scan_while(proc)
    out, err = proc.communicate()
    for q in quiet:
        q.close()
    assert proc.returncode == 1, out + err
    assert leaks == []
    assert ipmitool_calls >= 3, "the scan did not see fence_ipmilan's ipmitool -P calls"
    assert agents_at_once == 2  # --concurrency 2: parallel, and bounded
    # Every timed-out agent's process group is gone, its ipmitool with it.
    assert not [argv for _, argv, _, _ in _processes()
                if "ipmitool" in argv[:1] and "X" * len(E.PASSWORD) in argv]
    assert_no_secret(out, err)


def test_the_scan_catches_a_password_on_a_command_line(lab):
    """The judge above can fail: an agent given --password on its command line
    (what the probe must never do) is caught."""
    quiet = E.Silent()
    proc = subprocess.Popen(["fence_ipmilan", "--ip", "127.0.0.1", "--ipport",
                             str(quiet.udp_port), "--username", E.USERNAME,
                             "--password", E.PASSWORD, "--lanplus", "--power-timeout", "2",
                             "-o", "status"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        leaks, ipmitool_calls, _ = scan_while(proc)
    finally:
        proc.wait()
        quiet.close()
    assert any(kind == "cmdline" and any(a.endswith("fence_ipmilan") for a in argv[:3])
               for kind, _, argv in leaks)
    assert ipmitool_calls >= 1


# -- pieces ---------------------------------------------------------------------------
def test_stdin_is_what_the_fencer_hands_the_agent_plus_verbose():
    target = PR.Target("c0", "fence_ipmilan", {
        "ipaddr": "192.0.2.1", "lanplus": True, "passwd": "pw", "action": "off",
        "pcmk_host_list": "c0", "verbose": 0})
    assert PR.stdin_text(target) == ("action=status\nipaddr=192.0.2.1\nlanplus=true\n"
                                     "passwd=pw\nverbose=1\n")


def test_default_timeout_comes_from_the_agents_metadata():
    meta = PR.A.metadata("fence_ipmilan")
    own = sum(float(meta.parameters[n].default)
              for n in ("power_timeout", "login_timeout", "shell_timeout"))
    assert PR.default_timeout("fence_ipmilan") == own + PR.START_MARGIN
    assert PR.default_timeout("fence_no_such_agent") == PR.FALLBACK_TIMEOUT


def test_interrupt_kills_every_running_agent_group(lab):
    """Ctrl-C while agents wait on silent BMCs: no agent may outlive the probe."""
    targets = [PR.Target(f"s{i}", "fence_redfish", {
        "ipaddr": "127.0.0.1", "ipport": lab.silent.tcp_port, "login": E.USERNAME,
        "passwd": E.PASSWORD, "ssl_insecure": "true", "systems_uri": "/x"}) for i in range(3)]
    running = PR._Running()
    threads = [threading.Thread(target=PR.run_agent, args=(t, 60, running)) for t in targets]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(running.groups) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    groups = set(running.groups)
    assert len(groups) == 3
    running.kill_all()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    for pgid in groups:
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
