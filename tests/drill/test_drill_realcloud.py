"""`drill` against a real Nova (tests/realcloud), a real fence_ipmilan and a pyghmi BMC.

The drill powers the compute off through its BMC exactly as on a real cloud. What is
not real here is the cluster: no pacemaker runs beside this control plane, so a named
stand-in plays its part once the BMC has cut the power (the emulator's power hook):
it kills the compute's nova-compute (the power is gone), runs the real fence_compute
and fence_evacuate with pacemaker's stdin options, then restarts nova-compute and
unfences in the safe order (what a reboot fence and the unfence do). The live e2e
cluster replaces this stand-in once it runs on the real Nova.
"""
from __future__ import annotations

import json
import os
import socket
import threading

import pytest
import yaml

from tests.fencing import bmc_emulators as E
from tests.fencing.test_probe import _ensure_tools
from tests.net import free_port
from tests.realcloud.cloud import C0, C1, SHORT, two_computes

from .conftest import run_drill

pytestmark = pytest.mark.realcloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with two_computes(str(tmp_path_factory.mktemp("drill"))) as cloud:
        yield cloud


class PacemakerStandIn(threading.Thread):
    """Waits for the BMC's power-off of SHORT[0], then does what the cluster would."""

    def __init__(self, cloud, marker: str):
        super().__init__(daemon=True)
        self.cloud, self.marker, self.error = cloud, marker, None
        self.stop = threading.Event()

    def run(self):
        try:
            while not os.path.exists(self.marker):
                if self.stop.wait(0.2):
                    return
            self.cloud.fail_and_evacuate(C0, SHORT[0])
            self.cloud.recover_and_unfence(C0, SHORT[0])
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc


def test_drill_follows_a_bmc_power_off_to_recovery(cloud, tmp_path, monkeypatch):
    _ensure_tools()
    conn = cloud.conn
    # The cloud tags evacuable instances (one tagged flavor, not the canary's): the drill
    # must give the canary a tagged private flavor, or fence_evacuate would leave it.
    tagged = conn.compute.create_flavor(name="m1.tagged", ram=64, vcpus=1, disk=0)
    conn.compute.create_flavor_extra_specs(tagged, {"evacuable": "true"})
    bmc = E.IpmiBmc(SHORT[0], free_port(socket.SOCK_DGRAM))
    inventory = tmp_path / "instackenv.json"
    inventory.write_text(json.dumps({"nodes": [{
        "name": SHORT[0], "pm_type": "ipmi", "pm_addr": "127.0.0.1", "pm_port": bmc.port,
        "pm_user": E.USERNAME, "pm_password": E.PASSWORD,
        "ports": [{"address": "52:54:00:dd:00:01"}]}]}))
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(yaml.safe_dump(cloud.plane.clouds_yaml()))
    clouds.chmod(0o600)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    for key in [k for k in os.environ if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        monkeypatch.delenv(key)
    budget = tmp_path / "budget.json"
    budget.write_text(json.dumps({"budget": {"to_first_evacuate_s": {"best": 1, "worst": 90},
                                             "to_rebuild_s": {"best": 2, "worst": 120}}}))
    marker = str(tmp_path / f"{SHORT[0]}-off")
    argv = ["--os-cloud", "overcloud", "--compute", C0, "--image", "tiny",
            "--flavor", "m1.tiny", "--method", "bmc-power-off", "--bmc-from", str(inventory),
            "--budget", str(budget), "--timeout", "240", "--return-timeout", "240"]
    (tmp_path / "bmc").mkdir()
    with E.Emulators([bmc], [], str(tmp_path / "bmc"),
                     power_hook=["touch", str(tmp_path / "{name}-{action}")]):
        # the dry run says what it would do and does none of it
        code, out, err = run_drill(argv + ["--dry-run"])
        assert code == 0, err
        assert "fence_ipmilan action=off" in out and "private flavor" in out, out
        assert E.PASSWORD not in out + err
        assert not os.path.exists(marker)
        assert [s for s in conn.compute.servers(all_projects=True)] == []

        standin = PacemakerStandIn(cloud, marker)
        standin.start()
        try:
            code, out, err = run_drill(argv + ["--confirm-crash", C0, "--format", "json"])
        finally:
            standin.stop.set()
            standin.join(300)
        assert standin.error is None, standin.error
    assert code == 0, (out, err)
    report = json.loads(out)
    print("\n" + "\n".join(f"{e['at_s']:+7.1f} s  {e['event']}" for e in report["timeline"]))
    assert report["verdict"] == "passed" and report["recovered_on"] == C1, report
    events = [e["event"] for e in report["timeline"]]
    order = ["flavor iha-drill-", f"canary ACTIVE on {C0}", "crash started: bmc-power-off",
             "crash done: bmc-power-off",
             f"{C0} forced down", "canary rebuilding", f"canary ACTIVE on {C1}",
             f"{C0} back in service", "canary deleted"]
    at = [next(i for i, e in enumerate(events) if e.startswith(o)) for o in order]
    assert at == sorted(at), events
    assert E.PASSWORD not in out + err
    # nothing left behind: no canary, no drill flavor; the compute serves again
    assert [s.name for s in conn.compute.servers(all_projects=True)] == []
    assert [f.name for f in conn.compute.flavors(is_public=None)
            if f.name.startswith("iha-drill-")] == []
    assert cloud.service(C0).state == "up"
