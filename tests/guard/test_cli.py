"""`tripleo-instanceha evacuations list` on a saved CIB, and read_holds' typed records.

No cluster: the CIB below is what ``cibadmin --query`` prints for a cluster
whose agent held two computes in a storm, one of which an operator also
held, with the kill switch off.
"""
import configparser
import json
import os

from tests.guard.conftest import run_cli
from tripleo_instanceha.cluster import holds

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="9" num_updates="0"
 admin_epoch="0"><configuration><crm_config>
<cluster_property_set id="cib-bootstrap-options">
<nvpair id="o-stonith" name="stonith-enabled" value="true"/>
{switch}
</cluster_property_set></crm_config>
<nodes><node id="1" uname="controller-0"/>
<node id="compute-0" uname="compute-0" type="remote"><instance_attributes id="nodes-compute-0">
<nvpair id="n0-f" name="tripleo-instanceha-failed-at" value="1764800000"/>
<nvpair id="n0-r" name="compute-instanceha-role" value="true"/>
</instance_attributes></node>
<node id="compute-1" uname="compute-1" type="remote"><instance_attributes id="nodes-compute-1">
<nvpair id="n1-f" name="tripleo-instanceha-failed-at" value="1764800000"/>
<nvpair id="n1-e" name="tripleo-instanceha-evacuation" value="held;by=guard;at=1764800001"/>
</instance_attributes></node>
<node id="compute-2" uname="compute-2" type="remote"><instance_attributes id="nodes-compute-2">
<nvpair id="n2-f" name="tripleo-instanceha-failed-at" value="1764800002"/>
<nvpair id="n2-e" name="tripleo-instanceha-evacuation" value="held;by=guard;at=1764800003"/>
<nvpair id="n2-h" name="tripleo-instanceha-hold" value="hold;by=alice;at=1764800100"/>
</instance_attributes></node>
<node id="compute-3" uname="compute-3" type="remote"/>
</nodes><resources>
<primitive id="nova-evacuate-iha" class="ocf" provider="tripleo-instanceha" type="NovaEvacuate">
<instance_attributes id="nei-ia"><nvpair id="nei-t" name="storm_threshold" value="25"/>
<nvpair id="nei-p" name="password" value="s3cret-never-shown"/></instance_attributes></primitive>
<primitive id="compute-0" class="ocf" provider="pacemaker" type="remote"/>
<primitive id="compute-1" class="ocf" provider="pacemaker" type="remote"/>
<primitive id="compute-2" class="ocf" provider="pacemaker" type="remote"/>
<primitive id="compute-3" class="ocf" provider="pacemaker" type="remote"/>
<primitive id="fence-nova" class="stonith" type="fence_compute"/>
</resources><constraints/></configuration><status/></cib>
"""
SWITCH_OFF = '<nvpair id="o-iha" name="tripleo-instanceha-evacuations" value="off"/>'


def saved(tmp_path, switch=SWITCH_OFF, text=None) -> str:
    path = tmp_path / "cib.xml"
    path.write_text(text if text is not None else CIB.format(switch=switch))
    return str(path)


def test_read_holds_types_every_record():
    found = holds.read_holds(CIB.format(switch=SWITCH_OFF))
    assert found.switch == "off"
    assert found.computes == ("compute-0", "compute-1", "compute-2", "compute-3")
    assert found.guard == {"storm_threshold": 25, "storm_window": 300, "max_per_pass": 0}
    assert [h.host for h in found.hosts] == ["compute-0", "compute-1", "compute-2"]
    zero, one, two = found.hosts
    assert zero.failed_at == 1764800000 and zero.decision is None and not zero.held
    assert one.decision == holds.Mark("held", "guard", 1764800001, "held;by=guard;at=1764800001")
    assert one.held_by_guard and one.held and one.hold is None
    assert two.hold.by == "alice" and two.hold.at == 1764800100 and two.held
    assert [h.host for h in found.held] == ["compute-1", "compute-2"]
    assert holds.read_holds(CIB.format(switch="")).switch == "on"
    on = '<nvpair id="o-iha" name="tripleo-instanceha-evacuations" value="on"/>'
    assert holds.read_holds(CIB.format(switch=on)).switch == "on"


def test_the_kill_switch_says_who_turned_it_off_and_when(tmp_path):
    mark = '<nvpair id="o-iham" name="tripleo-instanceha-evacuations-off" ' \
        'value="off;by=alice;at=1764800200"/>'
    found = holds.read_holds(CIB.format(switch=SWITCH_OFF + mark))
    assert (found.switch_mark.by, found.switch_mark.at) == ("alice", 1764800200)
    # a mark left behind once the switch is on again means nothing
    assert holds.read_holds(CIB.format(switch=mark)).switch_mark is None
    code, out, _ = run_cli(["list", "--cib", saved(tmp_path, switch=SWITCH_OFF + mark)])
    assert "kill switch: evacuations off (by alice at 2025-12-03T22:16:40Z)" in out, out
    code, out, _ = run_cli(["list", "--cib", saved(tmp_path, switch=SWITCH_OFF + mark),
                            "--format", "json"])
    assert json.loads(out)["kill_switch_set"] == {"state": "off", "by": "alice",
                                                  "at": 1764800200}


def test_list_text_of_a_saved_cib(tmp_path):
    code, out, err = run_cli(["list", "--cib", saved(tmp_path)])
    assert code == 1, err
    assert "kill switch: evacuations off" in out
    assert "storm guard: threshold 25% of 4 computes within 300 s, max_per_pass unlimited" in out
    assert "compute-1: HELD (failed at 2025-12-03T22:13:20Z; held by guard at " in out
    assert "compute-2: HELD" in out and "hold by alice at 2025-12-03T22:15:00Z" in out
    assert "compute-0: not held" in out
    assert "s3cret" not in out and "no evacuate attributes" in out


def test_list_json_of_a_saved_cib(tmp_path):
    code, out, _ = run_cli(["list", "--cib", saved(tmp_path, switch=""), "--format", "json"])
    data = json.loads(out)
    assert code == 1 and data["kill_switch"] == "on" and data["held"] == ["compute-1", "compute-2"]
    assert data["evacuate_values_shown"] is False
    two = next(h for h in data["hosts"] if h["host"] == "compute-2")
    assert two == {"host": "compute-2", "failed_at": 1764800002,
                   "decision": {"state": "held", "by": "guard", "at": 1764800003},
                   "hold": {"state": "hold", "by": "alice", "at": 1764800100},
                   "held": True, "evacuate": None}


def test_list_is_clean_when_nothing_is_held(tmp_path):
    text = CIB.format(switch="").replace("tripleo-instanceha-evacuation\"", "other\"") \
        .replace("tripleo-instanceha-hold", "other-hold")
    code, out, _ = run_cli(["list", "--cib", saved(tmp_path, text=text), "--format", "json"])
    assert code == 0 and json.loads(out)["held"] == []


def test_list_refuses_what_is_not_a_cib(tmp_path):
    for text, said in (("<cib", "is not XML"), ("<nodes/>", "is not a CIB")):
        code, out, err = run_cli(["list", "--cib", saved(tmp_path, text=text)])
        assert code == 2 and out == "" and said in err and "Traceback" not in err, err
        assert "cibadmin --query > cib.xml" in err
    code, _, err = run_cli(["list", "--cib", str(tmp_path / "missing.xml")])
    assert code == 2 and "missing.xml" in err


def test_commands_are_registered_for_both_programs():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, "setup.cfg"))
    points = cfg["options.entry_points"]
    for verb in ("hold", "release", "list"):
        target = "tripleo_instanceha.cli.evacuations:Evacuations" + verb.capitalize()
        assert f"evacuations_{verb} = {target}" in points["tripleo_instanceha.cli"]
        assert f"overcloud_instance-ha_evacuations_{verb} = {target}" \
            in points["openstack.instanceha.v1"]
