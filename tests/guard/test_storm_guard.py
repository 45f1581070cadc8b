"""The storm guard, the kill switch and the holds of ocf:tripleo-instanceha:NovaEvacuate, live.

The agent runs inside a one-node live cluster of each stack with the
recording fence_evacuate stand-in (tests/agent/harness.py); the cluster knows
four Instance HA computes (tests/guard/conftest.py). What is judged is what
fence_evacuate was asked to evacuate (its recorded calls), the records the
agent left in the CIB, and the evacuate attributes.
"""
import json
import os
import subprocess
import time

import pytest

from tests.agent.harness import AGENT, PARAMS, STAND_IN, Agent
from tests.guard.conftest import COMPUTES, clear, records

THRESHOLD_PARAMS = ("storm_threshold", "storm_window", "max_per_pass")


@pytest.fixture
def agent(node, computes):
    installed = Agent(node)
    clear(node)
    installed.install()
    yield installed
    installed.action("stop")
    assert installed.worker_pids() == [], "the worker outlived stop"
    clear(node)


def evacuated(agent) -> list:
    """The hosts fence_evacuate was asked to evacuate, in order."""
    return [c["options"]["plug"] for c in agent.calls() if c["options"]["action"] == "off"]


def wait_record(agent, host: str, key: str, prefix: str, timeout: float = 30) -> str:
    since = time.monotonic()
    while time.monotonic() - since < timeout:
        value = records(agent.node, host).get(key, "")
        if value.startswith(prefix):
            return value
        time.sleep(0.3)
    raise AssertionError("%s of %s is %r, not %s...; calls %s"
                         % (key, host, records(agent.node, host), prefix, agent.calls()))


def test_below_the_threshold_all_are_evacuated_and_the_window_counts_the_evacuated(agent):
    """2 of 4 failed (50%, not above a 50% threshold): both go. A third failure within the
    window is above it, although the first two are evacuated already: it is held."""
    agent.install(storm_threshold="50", storm_window="60")
    assert agent.action("start").returncode == 0
    agent.set("compute-0", "yes")
    agent.set("compute-1", "yes")
    agent.wait_value("compute-0", "no")
    agent.wait_value("compute-1", "no")
    assert sorted(evacuated(agent)) == ["compute-0", "compute-1"]
    for host in ("compute-0", "compute-1"):
        assert set(records(agent.node, host)) == {"at"}, records(agent.node, host)
    agent.set("compute-2", "yes")
    held = wait_record(agent, "compute-2", "evacuation", "held;by=guard;at=")
    time.sleep(2.5)
    assert sorted(evacuated(agent)) == ["compute-0", "compute-1"]
    assert agent.value("compute-2") == "yes"
    assert records(agent.node, "compute-2")["evacuation"] == held


def test_records_end_once_evacuated_and_out_of_the_window(agent):
    """failed-at stays for the window's length after the evacuation, then goes."""
    agent.install(storm_threshold="50", storm_window="3")
    assert agent.action("start").returncode == 0
    agent.set("compute-0", "yes")
    agent.wait_value("compute-0", "no")
    assert "at" in records(agent.node, "compute-0")
    since = time.monotonic()
    while records(agent.node, "compute-0") and time.monotonic() - since < 20:
        time.sleep(0.3)
    assert records(agent.node, "compute-0") == {}


def test_above_the_threshold_exactly_the_allowed_go_and_the_hold_survives(agent, live_cli):
    """75% of 4 computes: 3 may go. Oldest failure first, then host name: compute-3 and
    compute-2 failed earlier (recorded), compute-0 and compute-1 together, so compute-1 is
    held. The hold survives its transient attribute being set again and the agent's restart;
    releasing it (by name) evacuates it, and only it."""
    now = int(time.time())
    for host, at in (("compute-3", now - 20), ("compute-2", now - 10)):
        run = agent.node.run("crm_attribute --type nodes --node %s --name "
                             "tripleo-instanceha-failed-at --update %d" % (host, at))
        assert run.returncode == 0, run.stderr
    for host in COMPUTES:
        agent.set(host, "yes")
    agent.install(storm_threshold="75")
    assert agent.action("start").returncode == 0
    for host in ("compute-3", "compute-2", "compute-0"):
        agent.wait_value(host, "no")
    assert evacuated(agent) == ["compute-3", "compute-2", "compute-0"]
    wait_record(agent, "compute-1", "evacuation", "held;by=guard;at=")
    assert agent.value("compute-1") == "yes"

    # the transient attribute erased (a reconnect) and set again (fenced again): still held
    agent.node.run("attrd_updater -n evacuate -D -N compute-1")
    time.sleep(1.5)
    agent.set("compute-1", "yes")
    time.sleep(2.5)
    assert agent.action("stop").returncode == 0
    assert agent.action("start").returncode == 0
    time.sleep(3)
    assert evacuated(agent) == ["compute-3", "compute-2", "compute-0"]
    assert records(agent.node, "compute-1")["evacuation"].startswith("held;by=guard;")

    code, out, err = live_cli(["list", "--format", "json"])
    listing = json.loads(out)
    assert code == 1 and listing["held"] == ["compute-1"], (out, err)
    assert listing["computes"] == list(COMPUTES)
    assert listing["guard"] is None  # the agent runs outside the CIB here
    assert {h["host"]: h["evacuate"] for h in listing["hosts"]}["compute-1"] == "yes"

    code, out, err = live_cli(["release", "compute-1"])
    assert code == 0 and "compute-1: released by opera" in out, (out, err)
    agent.wait_value("compute-1", "no")
    assert evacuated(agent) == ["compute-3", "compute-2", "compute-0", "compute-1"]
    # the decision ends with the evacuation (at the next pass); failed-at stays for the window
    since = time.monotonic()
    while "evacuation" in records(agent.node, "compute-1") and time.monotonic() - since < 10:
        time.sleep(0.3)
    assert set(records(agent.node, "compute-1")) == {"at"}
    assert live_cli(["list"])[0] == 0


def test_release_without_host_releases_every_guard_hold(agent, live_cli):
    """1 of 4 above a 20% threshold: none may go (20% of 4 is 0.8). A release naming no host
    turns the kill switch on and releases every host the guard holds."""
    for host in ("compute-0", "compute-1"):
        agent.set(host, "yes")
    agent.install(storm_threshold="20")
    assert agent.action("start").returncode == 0
    for host in ("compute-0", "compute-1"):
        wait_record(agent, host, "evacuation", "held;by=guard;")
    time.sleep(1.5)
    assert evacuated(agent) == []
    code, out, err = live_cli(["release"])
    assert code == 0, err
    assert "compute-0: released by opera" in out and "compute-1: released by opera" in out
    agent.wait_value("compute-0", "no")
    agent.wait_value("compute-1", "no")


def test_kill_switch_and_operator_holds(agent, live_cli):
    """hold (no host) stops every evacuation, guard off or not; hold HOST stops that host's;
    release undoes each. The records name who and when."""
    assert agent.action("start").returncode == 0
    code, out, err = live_cli(["hold"])
    assert code == 0 and "switched off" in out, (out, err)
    agent.set("compute-0", "yes")
    time.sleep(3)
    assert evacuated(agent) == [] and agent.value("compute-0") == "yes"
    code, out, _ = live_cli(["list", "--format", "json"])
    listed = json.loads(out)
    assert code == 1 and listed["kill_switch"] == "off"
    assert listed["kill_switch_set"]["by"].startswith("opera"), listed
    assert abs(listed["kill_switch_set"]["at"] - time.time()) < 60
    code, out, err = live_cli(["hold", "compute-1"])
    assert code == 0, err
    hold = records(agent.node, "compute-1")["hold"]
    assert hold.startswith("hold;by=opera;at="), hold
    assert live_cli(["release"])[0] == 0
    assert json.loads(live_cli(["list", "--format", "json"])[1])["kill_switch_set"] is None
    crm_config = agent.node.run("cibadmin --query --scope crm_config").stdout
    assert "crm_config" in crm_config and "tripleo-instanceha-evacuations" not in crm_config
    agent.wait_value("compute-0", "no")
    agent.set("compute-1", "yes")
    time.sleep(3)
    assert evacuated(agent) == ["compute-0"] and agent.value("compute-1") == "yes"
    assert live_cli(["release", "compute-1"])[0] == 0
    agent.wait_value("compute-1", "no")
    assert evacuated(agent) == ["compute-0", "compute-1"]
    assert "hold" not in records(agent.node, "compute-1")


def test_hold_of_a_host_the_cluster_does_not_know_is_refused(agent, live_cli):
    code, out, err = live_cli(["hold", "compute-9"])
    assert code == 2 and out == ""
    assert "compute-9: not an Instance HA compute of this cluster" in err, err
    assert "compute-0, compute-1, compute-2, compute-3" in err and "Traceback" not in err
    assert records(agent.node, "compute-9") == {}


def test_max_per_pass_caps_a_pass(agent):
    """max_per_pass=1: one evacuation starts per pass, oldest failure first, then by name."""
    for host in ("compute-2", "compute-0", "compute-1"):
        agent.set(host, "yes")
    agent.install(max_per_pass="1", poll_interval="2")
    assert agent.action("start").returncode == 0
    calls = agent.wait_calls(6)
    offs = [c for c in calls if c["options"]["action"] == "off"]
    assert [c["options"]["plug"] for c in offs] == ["compute-0", "compute-1", "compute-2"]
    gaps = [float(b["at"]) - float(a["at"]) for a, b in zip(offs, offs[1:])]
    assert min(gaps) >= 1.5, gaps


@pytest.mark.parametrize("name, value", [
    ("storm_threshold", "101"), ("storm_threshold", "-1"), ("storm_threshold", "half"),
    ("storm_threshold", "1000"), ("storm_window", "0"), ("storm_window", "5m"),
    ("max_per_pass", "-1"), ("max_per_pass", "two"), ("max_per_pass", "9999999"),
])
def test_validate_refuses_bad_guard_values(tmp_path, name, value):
    """validate-all exits OCF_ERR_CONFIGURED (6) and names the parameter."""
    env = good_env(tmp_path)
    run = subprocess.run([AGENT, "validate-all"], env=dict(env, **{"OCF_RESKEY_" + name: value}),
                         capture_output=True, text=True)
    assert run.returncode == 6, (run.returncode, run.stderr)
    assert name in run.stderr, run.stderr


def test_validate_accepts_the_guard_bounds(tmp_path):
    env = good_env(tmp_path)
    for values in ({"storm_threshold": "0"}, {"storm_threshold": "100", "storm_window": "1",
                                              "max_per_pass": "0"}, {"max_per_pass": "5"}):
        run = subprocess.run([AGENT, "validate-all"], capture_output=True, text=True,
                             env=dict(env, **{"OCF_RESKEY_" + k: v for k, v in values.items()}))
        assert run.returncode == 0, (values, run.stderr)


def good_env(tmp_path) -> dict:
    bin_dir = tmp_path / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        os.symlink(STAND_IN, bin_dir / "fence_evacuate")
    return dict({"PATH": "%s:%s" % (bin_dir, os.environ["PATH"]), "OCF_ROOT": "/usr/lib/ocf",
                 "HA_RSCTMP": str(tmp_path)},
                **{"OCF_RESKEY_" + k: v for k, v in PARAMS.items()})


def test_meta_data_declares_the_guard_parameters():
    out = subprocess.run([AGENT, "meta-data"], capture_output=True, text=True,
                         env={"PATH": os.environ["PATH"], "OCF_ROOT": "/usr/lib/ocf"})
    for name, default in zip(THRESHOLD_PARAMS, ("0", "300", "0")):
        assert '<parameter name="%s"' % name in out.stdout
        chunk = out.stdout.split('<parameter name="%s"' % name)[1].split("</parameter>")[0]
        assert '<content type="integer" default="%s"/>' % default in chunk, chunk
