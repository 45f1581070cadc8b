"""Deploy with Instance HA on (preflight, verification) and off (clean removal).

Real ansible-core on localhost, real pcs -f and crm_* tools on a CIB file
the cluster model built and crm_simulate started.
"""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET


from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.cluster.simulate import Simulator
from tripleo_instanceha.tht.fetch import fetch

from tests.conftest import ROOT
from tests.lifecycle import harness

GUARD = os.path.join("deployment", "pacemaker", "compute", "check-run-nova-compute")

# Each Ansible scenario runs on one release; test_outputs shows all four
# releases resolve identical task lists.
ENABLE_RELEASE = "8.4.1"
DISABLE_RELEASE = "11.6.0"

IHA_OBJECTS = {
    "nova-evacuate": "//configuration//primitive[@id='nova-evacuate']",
    "nova-evacuate-iha": "//configuration//primitive[@id='nova-evacuate-iha']",
    "our constraints": "//constraints/*[starts-with(@id, 'tripleo-instanceha-')]",
    "unfence trigger": "//configuration//primitive[@id='compute-unfence-trigger']",
    "unfence clone": "//configuration//clone[@id='compute-unfence-trigger-clone']",
    "fence-nova": "//configuration//primitive[@id='stonith-fence_compute-fence-nova']",
    "fence-nova in a level": "//fencing-level[contains(@devices, 'fence-nova')]",
    "role attribute": "//nodes//nvpair[@name='compute-instanceha-role']",
    "requires=fencing default": "//rsc_defaults//nvpair[@name='requires']",
    "location rules": "//constraints/rsc_location[contains(@rsc, 'unfence') "
                      "or @rsc='nova-evacuate']",
    "evacuate attribute": "//status//nvpair[@name='evacuate']",
}


def _configuration(cib):
    return harness.cib_query(cib, "/cib/configuration")


def _runner(tmp_path, cib, plan, seeded=True):
    macs = {p.name: [port.address.lower() for port in p.node.ports] for p in plan.iha_computes}
    facts = {host: harness.interfaces_facts(m) for host, m in macs.items()} if seeded else None
    return harness.Runner(str(tmp_path), cib, [p.name for p in plan.cluster_members],
                          [p.name for p in plan.iha_computes], facts=facts)


def _outputs(lifecycle_outputs, version, fencing, enabled=True, **override):
    params = {"EnableInstanceHA": enabled, "EnableFencing": fencing["EnableFencing"],
              "FencingConfig": fencing["FencingConfig"]}
    params.update(override)
    return lifecycle_outputs(version, **params)


def _devices(config):
    return config["devices"] if isinstance(config["devices"], list) else \
        [d for level in config["devices"].values() for d in level]


def test_enabled_deploy_passes_and_leaves_the_cluster_alone(tmp_path, cib, example,
                                                            lifecycle_outputs):
    plan, fencing = example
    before = _configuration(cib)
    run = _runner(tmp_path, cib, plan).deploy(
        _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "TASK [Locate nova-evacuate-iha]" in run.stdout
    assert "TASK [Stop when the Instance HA chain is broken]" in run.stdout
    assert _configuration(cib) == before
    for device in _devices(fencing["FencingConfig"]):
        assert str(device["params"]["passwd"]) not in run.stdout


def test_verification_matches_computes_named_with_their_domain(tmp_path, cib, example,
                                                               lifecycle_outputs):
    """An inventory may name computes by FQDN; the cluster knows them by short name."""
    plan, fencing = example
    macs = {f"{p.name}.localdomain": [port.address.lower() for port in p.node.ports]
            for p in plan.iha_computes}
    runner = harness.Runner(str(tmp_path), cib, [p.name for p in plan.cluster_members],
                            sorted(macs), facts={host: harness.interfaces_facts(m)
                                                 for host, m in macs.items()})
    run = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "TASK [Stop when the Instance HA chain is broken]" in run.stdout


def test_preflight_stops_when_fencing_is_off(tmp_path, cib, example, lifecycle_outputs):
    plan, fencing = example
    outputs = _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing, EnableFencing=False)
    run = _runner(tmp_path, cib, plan).deploy(outputs)
    assert run.returncode != 0
    assert "EnableFencing is not true" in run.stdout
    assert "External deployment step 2" not in run.stdout


def test_preflight_names_the_compute_without_a_device(tmp_path, cib, example,
                                                      lifecycle_outputs):
    plan, fencing = example
    lost = plan.iha_computes[1]
    lost_macs = {port.address.lower() for port in lost.node.ports}
    config = fencing["FencingConfig"]
    kept = [d for d in _devices(config) if d["host_mac"].lower() not in lost_macs]
    outputs = _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing,
                       FencingConfig={"devices": kept})
    run = _runner(tmp_path, cib, plan).deploy(outputs)
    assert run.returncode != 0
    assert f"Instance HA compute {lost.name} gets no power fencing device" in run.stdout
    assert f"Instance HA compute {plan.iha_computes[0].name} gets no" not in run.stdout
    assert "External deployment step 2" not in run.stdout


def test_preflight_compares_macs_exactly(tmp_path, cib, example, lifecycle_outputs):
    """puppet-tripleo matches host_mac to facter's (lower-case) MAC exactly: upper case misses."""
    plan, fencing = example
    shouted = plan.iha_computes[0]
    macs = {port.address.lower() for port in shouted.node.ports}
    devices = [dict(d, host_mac=d["host_mac"].upper()) if d["host_mac"].lower() in macs else d
               for d in _devices(fencing["FencingConfig"])]
    outputs = _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing,
                       FencingConfig={"devices": devices})
    run = _runner(tmp_path, cib, plan).deploy(outputs)
    assert run.returncode != 0
    assert f"Instance HA compute {shouted.name} gets no power fencing device" in run.stdout
    assert f"Instance HA compute {plan.iha_computes[1].name} gets no" not in run.stdout


def test_preflight_reads_the_real_interfaces_when_facts_are_missing(tmp_path, cib, example,
                                                                    lifecycle_outputs):
    """Without known facts the tasks gather them: this machine has none of the MACs."""
    plan, fencing = example
    run = _runner(tmp_path, cib, plan, seeded=False).deploy(
        _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing))
    assert run.returncode != 0
    assert "Read the network interfaces of the Instance HA computes" in run.stdout
    local = sorted(os.listdir("/sys/class/net"))
    macs = [open(f"/sys/class/net/{i}/address").read().strip() for i in local]
    assert any(mac in run.stdout for mac in macs if mac != "00:00:00:00:00:00")
    for place in plan.iha_computes:
        assert f"Instance HA compute {place.name} gets no power fencing device" in run.stdout


def test_verification_reports_every_broken_link(tmp_path, cib, example, lifecycle_outputs):
    plan, fencing = example
    first, second = (p.name for p in plan.iha_computes)
    for change in (["stonith", "update", "stonith-fence_compute-fence-nova",
                    f"pcmk_host_list={first}"],
                   ["resource", "disable", "nova-evacuate-iha"],
                   ["node", "attribute", first, "compute-instanceha-role="]):
        subprocess.run(["pcs", "-f", cib] + change, check=True, capture_output=True)
    # pacemaker acts on the change (stops nova-evacuate) and loses the second compute
    monitor = f"{second}_monitor_{ClusterModel.from_plan(plan).remote_monitor_ms(second)}"
    subprocess.run(["crm_simulate", "-x", cib, "-S", "-O", cib + ".after",
                    "--op-inject", f"{monitor}@{plan.cluster_members[0].name}=7"],
                   capture_output=True, text=True, check=True)
    shutil.move(cib + ".after", cib)
    run = _runner(tmp_path, cib, plan).deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing))
    assert run.returncode != 0
    assert "nova-evacuate-iha is not running" in run.stdout
    assert f"does not list {second} in pcmk_host_list" in run.stdout
    assert f"pacemaker_remote is not online on {second}," in run.stdout
    assert f"compute-instanceha-role=true is not set on {first}," in run.stdout
    # one line for the operator: the template's line breaks are folded away
    message = next(line for line in run.stdout.splitlines()
                   if '"msg": "Instance HA is not ready' in line)
    assert "\\n" not in message and "  " not in message.split('"msg": ')[1], message


def test_verification_reports_a_compute_whose_level_lacks_fence_nova(
        tmp_path, cib, example, lifecycle_outputs):
    plan, fencing = example
    first = plan.iha_computes[0].name
    level = ET.fromstring(harness.cib_query(
        cib, f"//fencing-level[@target='{first}'][contains(@devices, 'fence-nova')]"))
    power = [d for d in level.get("devices").split(",") if "fence-nova" not in d]
    subprocess.run(["cibadmin", "--modify", "--xml-text",
                    f'<fencing-level id="{level.get("id")}" devices="{",".join(power)}"/>'],
                   env=dict(os.environ, CIB_file=cib), check=True, capture_output=True)
    run = _runner(tmp_path, cib, plan).deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing))
    assert run.returncode != 0
    assert f"the fencing level of {first} does not hold stonith-fence_compute-fence-nova" \
        in run.stdout, run.stdout[-3000:]
    assert "is not running, so no instance" not in run.stdout


def test_disable_removes_instance_ha_and_is_idempotent(tmp_path, cib, example, example_disabled,
                                                       lifecycle_outputs):
    plan, fencing = example
    for name in IHA_OBJECTS:
        if name != "evacuate attribute":
            assert harness.cib_query(cib, IHA_OBJECTS[name]), name
    # a fence_compute run left a pending evacuation mark on a compute
    subprocess.run(["crm_attribute", "--node", plan.iha_computes[0].name, "--name", "evacuate",
                    "--update", "yes", "--lifetime", "reboot"],
                   env=dict(os.environ, CIB_file=cib), check=True, capture_output=True)
    assert harness.cib_query(cib, IHA_OBJECTS["evacuate attribute"])

    outputs = _outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False)
    runner = _runner(tmp_path, cib, plan)
    # the test runs pacemaker's transition itself, below
    first = runner.deploy(outputs, name="disable", settle=False)
    assert first.returncode == 0, first.stdout[-3000:]
    for name, xpath in IHA_OBJECTS.items():
        assert harness.cib_query(cib, xpath) is None, name

    # What remains is what puppet-tripleo builds for the same plan without Instance HA:
    # each compute keeps its power device alone in its level, stickiness is back.
    assert not example_disabled.instance_ha_enabled
    never = ClusterModel.from_plan(example_disabled)
    assert _summary(cib) == _summarise(never.to_element().find("configuration"))

    # pacemaker only stops the deleted resources: nothing is fenced, and the result is valid
    # (nova-evacuate-iha was stopped while the tasks waited; nova-evacuate never ran)
    sim = Simulator(str(tmp_path / "sim"))
    after = sim.simulate(cib, "after-disable")
    assert after.graph.fencing() == []
    stopped = {a.rsc.split(":")[0] for a in after.graph.actions.values()
               if a.operation == "stop" and a.rsc}
    assert stopped == {"compute-unfence-trigger", "stonith-fence_compute-fence-nova"}, stopped
    code, messages = sim.verify(after.after)
    assert code == 0, messages

    second = runner.deploy(outputs, name="disable-again")
    assert second.returncode == 0, second.stdout[-3000:]
    assert "changed=0" in second.stdout.split("PLAY RECAP")[-1]


def test_without_a_pacemaker_cluster(tmp_path, cib, example, lifecycle_outputs):
    """Enabled: the preflight refuses. Disabled: nothing to remove, nothing fails."""
    plan, fencing = example
    computes = [p.name for p in plan.iha_computes]
    runner = harness.Runner(str(tmp_path), cib, [], computes)
    before = _configuration(cib)
    enabled = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing), name="on")
    assert enabled.returncode != 0
    assert "no node runs the Pacemaker service" in enabled.stdout
    disabled = runner.deploy(_outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False),
                             name="off")
    assert disabled.returncode == 0, disabled.stdout[-3000:]
    assert _configuration(cib) == before


def test_disabled_host_prep_removes_the_wrappers_marker_file(tmp_path, cib, example,
                                                             lifecycle_outputs):
    """Cleanup: the marker file of THT's check-run-nova-compute wrapper goes away.

    nova-compute starts plainly because THT runs /usr/bin/nova-compute instead
    of the wrapper when EnableInstanceHA is false, not because of this file.
    """
    plan, fencing = example
    enable_file = tmp_path / "instanceha" / "enabled"
    enable_file.parent.mkdir()
    enable_file.write_text("")
    runner = _runner(tmp_path, cib, plan, seeded=False)
    extra = {"tripleo_instanceha_enable_file": str(enable_file)}
    enabled = _outputs(lifecycle_outputs, DISABLE_RELEASE, fencing)
    assert enabled["host_prep_tasks"] == []
    outputs = _outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False)
    first = runner.host_prep(outputs, extra)
    assert first.returncode == 0, first.stdout[-3000:]
    assert not enable_file.exists()
    again = runner.host_prep(outputs, extra, name="host-prep-again")
    assert again.returncode == 0 and "changed=0" in again.stdout.split("PLAY RECAP")[-1]


def test_compute_steps_install_the_start_guard_over_thts(tmp_path, cib, example,
                                                         lifecycle_outputs):
    """Step 1 on each Instance HA compute replaces the guard THT's host_prep_tasks wrote
    (THT 18.0.0's own, here) with the project's, byte for byte and executable; again, it
    changes nothing. Disabled, the steps leave THT's guard alone."""
    plan, fencing = example
    guard_dir = tmp_path / "instanceha"
    guard_dir.mkdir()
    installed = guard_dir / "check-run-nova-compute"
    thts = os.path.join(fetch("18.0.0"), "scripts", "check-run-nova-compute")
    shutil.copy(thts, installed)
    runner = _runner(tmp_path, cib, plan, seeded=False)
    extra = {"tripleo_instanceha_guard_dir": str(guard_dir)}
    disabled = runner.compute_steps(_outputs(lifecycle_outputs, DISABLE_RELEASE, fencing,
                                             enabled=False), extra, name="steps-disabled")
    assert disabled.returncode == 0, disabled.stdout[-3000:]
    with open(thts, "rb") as handle:
        assert installed.read_bytes() == handle.read()
    outputs = _outputs(lifecycle_outputs, DISABLE_RELEASE, fencing)
    first = runner.compute_steps(outputs, extra)
    assert first.returncode == 0, first.stdout[-3000:]
    with open(os.path.join(ROOT, GUARD), "rb") as handle:
        assert installed.read_bytes() == handle.read()
    assert installed.stat().st_mode & 0o777 == 0o755
    again = runner.compute_steps(outputs, extra, name="compute-steps-again")
    assert again.returncode == 0 and "changed=0" in again.stdout.split("PLAY RECAP")[-1]


def _summary(cib):
    return _summarise(ET.fromstring(harness.cib_query(cib, "/cib/configuration")))


def _summarise(conf):
    prims = sorted((p.get("id"), p.get("type")) for p in conf.iter("primitive"))
    levels = sorted((lv.get("target"), lv.get("index"), lv.get("devices"))
                    for lv in conf.iter("fencing-level"))
    defaults = sorted((nv.get("name"), nv.get("value"))
                      for nv in conf.find("rsc_defaults").iter("nvpair"))
    node_attrs = sorted((n.get("uname"), nv.get("name"), nv.get("value"))
                        for n in conf.find("nodes") for nv in n.iter("nvpair"))
    constraints = sorted(c.get("rsc") or "%s>%s" % (c.get("first"), c.get("then"))
                         for c in conf.find("constraints"))
    return prims, levels, defaults, node_attrs, constraints


def test_disabled_before_any_cluster_exists(tmp_path, example, lifecycle_outputs):
    """A fresh deploy with EnableInstanceHA false: external step 1 runs before puppet's cluster.

    No CIB file and no cluster at all: the real tools report no connection
    (cibadmin exits 102), and the disabled path must skip, not abort the deploy.
    """
    plan, fencing = example
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIB_")}
    probe = subprocess.run(["crm_mon", "-1"], capture_output=True, text=True, env=env)
    # a reachable cluster here would be changed by the disabled path: refuse to run
    assert probe.returncode in (102, 107), (probe.returncode, probe.stdout, probe.stderr)
    runner = _runner(tmp_path, str(tmp_path / "no-cib.xml"), plan)
    extra = {"tripleo_instanceha_pcs": "pcs", "tripleo_instanceha_cib_environment": {}}
    run = runner.deploy(_outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False),
                        extra=extra, name="no-cluster")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "no pacemaker cluster answers" in run.stdout
    assert not (tmp_path / "no-cib.xml").exists()
