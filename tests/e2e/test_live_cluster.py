"""The spec's acceptance test on a live pacemaker cluster: a compute dies, its VM lives on.

Real: corosync, pacemakerd and pacemaker-remoted (3 controllers, 2 Instance HA
computes, each in its own namespaces), the CIB of the project's cluster model
for the bundled example plan, pacemaker's fencing and scheduling, Debian's
fence_compute and fence_evacuate with python3-novaclient, Debian's fence_ipmilan
and fence_redfish (configured by the project's fencing generator) against pyghmi
and sushy-tools BMC emulators, and the project's own evacuation agent
``ocf:tripleo-instanceha:NovaEvacuate`` running as ``nova-evacuate-iha``, as the
lifecycle tasks deploy it.
Stand-ins: the BMCs' power supply (``node-power`` kills/boots a node's
namespace), Keystone/Nova/Glance (a small fake keeping state), and the stock
ocf:openstack:NovaEvacuate (not packaged in Debian), a stand-in following its
documented contract, there only so that pacemaker can probe puppet's
``nova-evacuate``, which our constraint keeps stopped.

Each test checks one claim against what pacemaker's fencing history and the
fake Nova recorded during the shared run (see conftest.py).
"""
from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from tripleo_instanceha.cluster.model import (EVACUATE_IHA, FENCE_NOVA, NOVA_EVACUATE,
                                              STOCK_EVACUATE_FIRST, STOCK_EVACUATE_OFF)
from tripleo_instanceha.validate.rules.remote_monitor_timeout import TOLERATED_STALL

from . import report, scenarios
from .scenarios import fqdn

pytestmark = pytest.mark.e2e
PROFILES = [p.key for p in scenarios.PROFILES]


@pytest.fixture(params=PROFILES)
def run(request, e2e_runs):
    result = e2e_runs[request.param]
    if result.error:
        pytest.fail("%s: the cluster did not come up: %s (logs: %s)" % (
            result.profile.title, result.error, result.state_dir))
    return result


def _levels(configuration: str) -> dict:
    conf = ET.fromstring(configuration)
    return {lv.get("target"): lv.get("devices").split(",") for lv in conf.iter("fencing-level")}


def test_the_cluster_runs_the_projects_cib(run):
    live = ET.fromstring(run.live_configuration)
    model = ET.fromstring(run.model_configuration)
    ids = {p.get("id") for p in model.iter("primitive")}
    assert ids == {p.get("id") for p in live.iter("primitive")}
    assert _levels(run.live_configuration) == _levels(run.model_configuration)
    computes = [n.get("uname") for n in live.iter("node") if n.get("type") == "remote"]
    assert computes and all(FENCE_NOVA in _levels(run.live_configuration)[c] for c in computes)
    # the profile's plan parameters reached the remote connections through the model
    for name in computes:
        prim = live.find(".//primitive[@id='%s']" % name)
        assert prim.find(".//op[@name='monitor']").get("interval") == "%ds" % run.profile.monitor
        assert prim.find(".//nvpair[@name='reconnect_interval']").get("value") == str(
            run.profile.reconnect)
    # the power devices are the generator's real agents, pointed at the emulated BMCs
    power = [p for p in live.iter("primitive")
             if p.get("class") == "stonith" and p.get("id") != FENCE_NOVA]
    assert {p.get("type") for p in power} == {"fence_ipmilan", "fence_redfish"}
    for device in power:
        assert device.find(".//nvpair[@name='ipaddr']").get("value") == scenarios.API_IP
    evac = live.find(".//primitive[@id='%s']" % NOVA_EVACUATE)
    assert (evac.get("provider"), evac.get("type")) == ("openstack", "NovaEvacuate")
    # the product's agent evacuates; puppet's nova-evacuate is held stopped by our constraints
    ours = live.find(".//primitive[@id='%s']" % EVACUATE_IHA)
    assert (ours.get("provider"), ours.get("type")) == ("tripleo-instanceha", "NovaEvacuate")
    off = live.find(".//rsc_location[@id='%s']" % STOCK_EVACUATE_OFF)
    assert off.get("rsc") == NOVA_EVACUATE
    order = live.find(".//rsc_order[@id='%s']" % STOCK_EVACUATE_FIRST)
    assert (order.get("first"), order.get("then")) == (NOVA_EVACUATE, EVACUATE_IHA)


def test_crashed_compute_is_fenced_through_its_level(run):
    obs = run.observation("compute crash")
    victim = obs.victims[0]
    assert [e["action"] for e in obs.history] == ["reboot"]
    # fence-nova ran in the level: nova-compute forced down, then disabled, before evacuating
    writes = [(m, p.rsplit("/", 1)[-1], b) for _, m, p, b in obs.nova_writes]
    assert writes[:2] == [
        ("PUT", "force-down", {"host": fqdn(victim), "binary": "nova-compute",
                               "forced_down": True}),
        ("PUT", "disable", {"host": fqdn(victim), "binary": "nova-compute"})]
    assert obs.services_fenced[fqdn(victim)] == {"status": "disabled", "forced_down": True,
                                                 "state": "down"}


def _power(run, obs) -> list:
    """(action, seconds after the fault) of the victim's power supply since the fault."""
    victim = obs.victims[0]
    events = []
    for line in run.power_log.splitlines():
        stamp, _, node, action = line.split()[:4]
        if node == victim and float(stamp) >= obs.fault_at:
            events.append((action, float(stamp) - obs.fault_at))
    return events


def test_fenced_computes_were_powered_by_their_own_bmc(run):
    """fence_ipmilan and fence_redfish reached the victim's emulated BMC, which cut
    the node's power and powered it on again; one victim of each protocol."""
    protocols = set()
    for scenario in ("compute crash", "network cut"):
        victim = run.observation(scenario).victims[0]
        protocol = run.protocols[victim]
        protocols.add(protocol)
        hooks = [line.split()[3] for line in run.bmc_logs[protocol].splitlines()
                 if line.startswith("power hook %s " % victim)]
        assert hooks[:2] == ["off", "on"], run.bmc_logs[protocol][-2000:]
        power = [action for action, _ in _power(run, run.observation(scenario))]
        assert power[:2] == ["off", "on"], run.power_log
    assert protocols == {"ipmi", "redfish"}


def test_crashed_compute_vm_is_active_on_the_other_compute(run):
    obs = run.observation("compute crash")
    survivor = [c for c in _computes(run) if c not in obs.victims][0]
    assert obs.servers["vm-crash"] == (fqdn(survivor), "ACTIVE")
    assert [name for name, _ in obs.evacuations] == ["vm-crash"]
    # never before the BMC really cut the victim's power (pacemaker's "fenced" comes
    # later: a reboot through the level also waits for the power-on)
    action, off_at = _power(run, obs)[0]
    assert action == "off" and obs.first_evacuate > off_at


def test_returning_compute_is_unfenced(run):
    obs = run.observation("compute crash")
    victim = obs.victims[0]
    assert obs.returned is not None
    assert obs.services_returned[fqdn(victim)] == {"status": "enabled", "forced_down": False,
                                                   "state": "up"}
    writes = [(p.rsplit("/", 1)[-1], b.get("forced_down")) for _, m, p, b in obs.nova_writes
              if m == "PUT"]
    assert writes[-2:] == [("force-down", False), ("enable", None)]
    assert obs.evacuate_attribute.get(fqdn(victim), "no") == "no"
    assert obs.evacuate_attribute.get(victim, "no") == "no"


SILENT = {"network cut": "vm-cut", "power loss": "vm-power"}


@pytest.mark.parametrize("scenario", sorted(SILENT))
def test_silent_failure_is_fenced_and_evacuated(run, scenario):
    obs = run.observation(scenario)
    victim = obs.victims[0]
    assert [e["action"] for e in obs.history] == ["reboot"]
    assert obs.powered_off[victim], "the power device did not switch the node off"
    assert obs.services_fenced[fqdn(victim)]["forced_down"] is True
    other = [c for c in _computes(run) if c != victim][0]
    assert obs.servers[SILENT[scenario]] == (fqdn(other), "ACTIVE")
    # no reset reaches the controller: only the remote connection monitor notices
    assert obs.fenced[victim] > run.profile.monitor / 2
    assert obs.services_returned[fqdn(victim)]["status"] == "enabled"


def test_compute_crash_survives_losing_the_evacuation_controller(run):
    obs = run.observation("crash with evacuation controller")
    compute, controller = obs.victims
    assert controller == obs.evacuation_host
    assert set(obs.fenced) == {compute, controller}
    assert obs.evacuation_host_after and controller not in obs.evacuation_host_after
    other = [c for c in _computes(run) if c != compute][0]
    assert obs.servers["vm-tagged-flavor"] == (fqdn(other), "ACTIVE")


def test_only_evacuable_tagged_vms_move_when_any_are_tagged(run):
    obs = run.observation("crash with evacuation controller")
    compute = obs.victims[0]
    moved = sorted(name for name, _ in obs.evacuations)
    assert moved == ["vm-tagged-flavor", "vm-tagged-image"]
    assert obs.servers["vm-untagged"] == (fqdn(compute), "ACTIVE")


def test_untagged_vms_all_move_when_nothing_is_tagged(run):
    obs = run.observation("network cut")
    assert [name for name, _ in obs.evacuations] == ["vm-cut"]


def test_no_shared_storage_reaches_the_evacuate_call(run):
    bodies = [body for obs in run.observations.values() if not obs.error
              for _, body in obs.evacuations]
    assert bodies
    expected = not run.profile.no_shared_storage
    assert all(b["evacuate"]["onSharedStorage"] is expected for b in bodies)


def test_one_slow_monitor_does_not_fence_a_healthy_compute(run):
    obs = run.observation("slow monitor")
    # the pause delayed a monitor: its request was still unread when remoted resumed
    assert obs.queued_at_resume, (
        "no monitor request was waiting on %s's socket after a %.0fs pause (interval %ds)"
        % (obs.scenario, obs.pause, run.profile.monitor))
    assert obs.history == []
    assert obs.returned is not None, "the cluster did not settle healthy"
    assert obs.nova_writes == []


def test_a_link_lost_for_the_tolerated_stall_fences_nothing(run):
    obs = run.observation("link loss")
    assert obs.pause == TOLERATED_STALL
    assert not [e for e in obs.history if e["action"] in ("reboot", "off")], obs.history
    assert obs.returned is not None, "the cluster did not settle healthy"
    assert obs.nova_writes == []


def test_measured_recovery_is_within_the_rehearse_budget(run):
    first_worst = run.budget.to_first_evacuate[1]
    rebuild_worst = run.budget.to_rebuild[1]
    checked = 0
    for obs in run.observations.values():
        if obs.error or obs.first_evacuate is None:
            continue
        assert obs.first_evacuate <= first_worst, obs.scenario
        assert max(obs.active_elsewhere.values()) <= rebuild_worst, obs.scenario
        checked += 1
    assert checked == 4


@pytest.mark.parametrize("scenario", sorted(SILENT))
def test_silent_failure_detection_agrees_with_the_budget(run, scenario):
    obs = run.observation(scenario)
    assert obs.after_monitor, "no monitor traffic seen before cutting the link"
    detection = run.budget.stages[0]
    assert detection.name.startswith("detection")
    # right after a monitor: a whole interval plus the monitor timeout, then fencing
    lag = obs.fenced[obs.victims[0]] - detection.worst
    assert -1.0 <= lag <= 15.0, "fenced %.1fs after the fault, budget detection %gs" % (
        obs.fenced[obs.victims[0]], detection.worst)


def test_teardown_leaves_nothing(run):
    assert run.leftovers == []
    prefix = "iha%d-" % run.index
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert [n for n in names.split() if n.startswith(prefix)] == []
    with open("/proc/self/mountinfo") as f:
        assert prefix not in f.read()


def _computes(run) -> list:
    live = ET.fromstring(run.live_configuration)
    return [n.get("uname") for n in live.iter("node") if n.get("type") == "remote"]


def test_a_remote_restarted_in_maintenance_is_not_reconnected_until_lifted(e2e_runs):
    """R1-5: pacemaker does not reconnect a connection in maintenance, so puppet's
    CIB calls from that compute fail until the maintenance is lifted; lifted the way the
    leave tasks do it, nothing is fenced."""
    run = e2e_runs[scenarios.PROJECT.key]
    obs = run.observation("remote restart in maintenance")
    tries = [call for calls in obs.in_maintenance for call in calls]
    assert tries and all(rc != 0 for _, rc, _ in tries), tries
    assert all("not connected" in out for _, _, out in tries), tries
    # tried past the reconnect interval: pacemaker would have reconnected by then
    assert tries[-1][0] >= run.profile.reconnect
    # not reconnected: the node stays offline in maintenance.  The connection's role is
    # the last one pacemaker recorded for the unmanaged resource; repeated runs on 2.1.5
    # showed both Started and Stopped, so it is not part of the claim.
    state = dict(obs.connection_in_maintenance)
    assert state.pop("connection") in ("Started", "Stopped"), obs.connection_in_maintenance
    assert state == {"online": "false", "maintenance": "true"}
    # lifted: the connection comes back and the same calls succeed
    assert obs.after_lift and all(rc == 0 for _, rc, _ in obs.after_lift[-1]), obs.after_lift
    # a clean restart in maintenance fences nothing while the maintenance lasts ...
    assert not [e for e in obs.history if e["action"] in ("reboot", "off")], obs.history
    # ... nor does leaving it, from the state that used to fence (the stopped daemon's
    # shutdown request pending, as pacemaker left it or as the scenario wrote it)
    assert obs.shutdown_pending or obs.shutdown_injected
    assert obs.fenced_on_leave == [], obs.fenced_on_leave


def test_timings_json_names_every_part_and_scenario(e2e_runs):
    """What conftest writes to .cache/e2e-timings.json, from this very run."""
    data = json.loads(json.dumps(report.timings(e2e_runs)))
    rows = data["rows"]
    assert all(set(r) == {"profile", "scenario", "fenced", "first_evacuate", "active", "back",
                          "error"} for r in rows), rows
    wanted = {(p, s) for p in ("project", "upstream")
              for s in ("compute crash", "power loss", "network cut", "slow monitor")}
    assert wanted <= {(r["profile"], r["scenario"]) for r in rows}
    slow = [r for r in rows if r["scenario"] == "slow monitor"]
    assert all(r["fenced"] is None and r["active"] is None for r in slow), slow
    parts = data["components"]
    assert parts["nova"].startswith("stand-in") and parts["pacemaker"].startswith("pacemaker 2.")
    assert "not installed" not in json.dumps(parts), parts
