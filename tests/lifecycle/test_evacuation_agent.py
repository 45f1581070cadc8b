"""The lifecycle tasks run the project's evacuation agent in place of puppet's nova-evacuate.

doc/source/evacuation-agent.rst, "What the lifecycle tasks will have to do":
real ansible-core, real cibadmin/crm_* on a CIB file of each stack, starting
from what puppet alone leaves (ClusterModel with ``lifecycle=False``) or from
the full model (what the tasks leave), pacemaker's transitions run by
bin/cib-settle.
"""
import json
import os
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET

from tripleo_instanceha.cluster.model import (EVACUATE_IHA, EVACUATE_IHA_RULE, NOVA_EVACUATE,
                                              STOCK_EVACUATE_FIRST, STOCK_EVACUATE_OFF,
                                              ClusterModel)
from tripleo_instanceha.cluster.simulate import Simulator
from tripleo_instanceha.plan import parameters as P

from tests.conftest import ROOT
from tests.lifecycle import harness
from tests.lifecycle.test_deploy import (DISABLE_RELEASE, ENABLE_RELEASE, _outputs, _runner,
                                         _summarise, _summary)

AGENT = os.path.join(ROOT, "deployment", "pacemaker", "ocf", "tripleo-instanceha",
                     "NovaEvacuate")
OURS = {
    "resource": f"//configuration//primitive[@id='{EVACUATE_IHA}']",
    "rule": f"//constraints/rsc_location[@id='{EVACUATE_IHA_RULE}']",
    "keep off": f"//constraints/rsc_location[@id='{STOCK_EVACUATE_OFF}']",
    "order": f"//constraints/rsc_order[@id='{STOCK_EVACUATE_FIRST}']",
}
#: The agent's own parameters the tasks write with the templates' defaults.
OWN_DEFAULTS = {
    "poll_interval": str(P.TUNABLES["InstanceHAEvacuatePollInterval"].default),
    "storm_threshold": str(P.TUNABLES["InstanceHAStormThreshold"].default),
    "storm_window": str(P.TUNABLES["InstanceHAStormWindow"].default),
    "max_per_pass": str(P.TUNABLES["InstanceHAEvacuationsPerPass"].default),
}


def _params(cib, rid):
    found = harness.cib_query(cib, f"//primitive[@id='{rid}']/instance_attributes")
    return {} if found is None else {
        nv.get("name"): nv.get("value") for nv in ET.fromstring(found).iter("nvpair")}


def _epoch(cib):
    root = ET.parse(cib).getroot()
    return root.get("admin_epoch"), root.get("epoch")


def _running(cib, rid):
    run = subprocess.run(["crm_resource", "--locate", "--resource", rid], capture_output=True,
                         text=True, env=dict(os.environ, CIB_file=cib))
    return "is running on" in run.stdout


def _recap(run):
    return run.stdout.split("PLAY RECAP")[-1]


def test_enable_creates_ours_and_holds_the_stock_agent(tmp_path, puppet_cib, example,
                                                       lifecycle_outputs):
    plan, fencing = example
    assert _running(puppet_cib, NOVA_EVACUATE) and harness.cib_query(
        puppet_cib, OURS["resource"]) is None
    stock = _params(puppet_cib, NOVA_EVACUATE)
    runner = _runner(tmp_path, puppet_cib, plan)
    run = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing))
    assert run.returncode == 0, run.stdout[-3000:]

    # the agent on "every controller", before the resource (task order), byte for byte
    installed = os.path.join(runner.ocf_dir, "NovaEvacuate")
    with open(installed, "rb") as got, open(AGENT, "rb") as want:
        assert got.read() == want.read()
    assert stat.S_IMODE(os.stat(installed).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(runner.ocf_dir).st_mode) == 0o755
    assert run.stdout.index("TASK [Install the evacuation agent on every controller]") < \
        run.stdout.index("TASK [Create nova-evacuate-iha with its rule")
    assert not os.path.exists(os.path.join(str(tmp_path), "cib-update.xml"))

    # what the tasks built is what the model says is deployed
    for name, xpath in OURS.items():
        assert harness.cib_query(puppet_cib, xpath), name
    assert _params(puppet_cib, EVACUATE_IHA) == dict(stock, **OWN_DEFAULTS)
    model = ClusterModel.from_plan(plan)
    assert _summary(puppet_cib) == _summarise(model.to_element().find("configuration"))
    theirs = ET.fromstring(harness.cib_query(puppet_cib, "/cib/configuration"))
    mine = model.to_element().find("configuration")
    for xpath in (f".//primitive[@id='{EVACUATE_IHA}']/operations",
                  f".//rsc_location[@id='{EVACUATE_IHA_RULE}']",
                  f".//rsc_location[@id='{STOCK_EVACUATE_OFF}']",
                  f".//rsc_order[@id='{STOCK_EVACUATE_FIRST}']"):
        assert ET.tostring(_bare(theirs.find(xpath))) == ET.tostring(_bare(mine.find(xpath)))

    # pacemaker acted before the verification: ours runs, the stock agent is stopped
    assert _running(puppet_cib, EVACUATE_IHA)
    assert not _running(puppet_cib, NOVA_EVACUATE)
    assert stock["password"] not in run.stdout

    # a re-run writes nothing
    before = _epoch(puppet_cib)
    again = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing), name="again")
    assert again.returncode == 0, again.stdout[-3000:]
    assert "changed=0" in _recap(again), _recap(again)
    assert _epoch(puppet_cib) == before


def _bare(element):
    """The element without whitespace between tags (pacemaker indents what it prints)."""
    copy = ET.fromstring(ET.tostring(element))
    for node in copy.iter():
        node.tail = None
        if node.text is not None and not node.text.strip():
            node.text = None
    return copy


def test_a_password_puppet_changes_is_copied_to_ours(tmp_path, cib, example,
                                                     lifecycle_outputs):
    """puppet-pacemaker's deep compare updates nova-evacuate in place; step 5 copies it."""
    plan, fencing = example
    # what pcmk_update_resource does with a rotated password (and a delay now set)
    rotated = dict(_params(cib, NOVA_EVACUATE), password="rotated-pw", evacuate_delay="30")
    harness.pcs(cib, "--force", "resource", "update", NOVA_EVACUATE,
                *[f"{k}={v}" for k, v in rotated.items()])
    assert _params(cib, EVACUATE_IHA)["password"] != "rotated-pw"
    runner = _runner(tmp_path, cib, plan)
    outputs = _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing)
    run = runner.deploy(outputs)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "TASK [Copy nova-evacuate's changed parameters to nova-evacuate-iha]" in run.stdout
    assert _params(cib, EVACUATE_IHA) == dict(rotated, **OWN_DEFAULTS)
    assert "rotated-pw" not in run.stdout
    # puppet drops evacuate_delay again (InstanceHAEvacuateDelay back to 0): gone from ours too
    harness.pcs(cib, "--force", "resource", "update", NOVA_EVACUATE, "evacuate_delay=")
    run = runner.deploy(outputs, name="delay-dropped")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "evacuate_delay" not in _params(cib, EVACUATE_IHA)
    before = _epoch(cib)
    again = runner.deploy(outputs, name="again")
    assert "changed=0" in _recap(again) and _epoch(cib) == before


def test_disable_removes_ours_first_and_the_stock_agent_may_run_again(
        tmp_path, cib, example, lifecycle_outputs):
    plan, fencing = example
    assert _running(cib, EVACUATE_IHA) and not _running(cib, NOVA_EVACUATE)
    runner = _runner(tmp_path, cib, plan)
    os.makedirs(runner.ocf_dir)
    shutil.copy(AGENT, runner.ocf_dir)
    outputs = _outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False)
    assert "tripleo_instanceha_agent" not in json.dumps(outputs)
    log = str(tmp_path / "settle.log")
    env = {"CIB_file": cib, "TRIPLEO_INSTANCEHA_SETTLE_LOG": log}
    run = runner.deploy(outputs, extra={"tripleo_instanceha_cib_environment": env},
                        name="disable")
    assert run.returncode == 0, run.stdout[-3000:]
    order = ["Delete nova-evacuate-iha, its location rule and the stop-first order",
             "Wait until nova-evacuate-iha is stopped",
             "Delete the constraint holding nova-evacuate stopped",
             "Remove the evacuation agent from every controller",
             "Delete nova-evacuate"]
    at = [run.stdout.index(f"TASK [{name}]") for name in order]
    assert at == sorted(at), at
    # when the tasks waited: ours, its rule and the order were gone, nova-evacuate still
    # held off, and not running
    with open(log) as handle:
        waited = handle.readline().strip()
    assert waited == (f"configured: {NOVA_EVACUATE} {STOCK_EVACUATE_OFF} | "
                      "nova-evacuate running: 0"), waited
    for name, xpath in OURS.items():
        assert harness.cib_query(cib, xpath) is None, name
    assert not os.path.exists(runner.ocf_dir)


def test_without_our_objects_the_stock_agent_starts_again(tmp_path, cib, example,
                                                          lifecycle_outputs):
    """The disable path's two deletions alone (nova-evacuate kept, as for anyone whose
    puppet still runs Instance HA): the next transition starts nova-evacuate."""
    _plan, fencing = example
    outputs = _outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False)
    tasks = _tasks(outputs["external_deploy_tasks"])
    env = dict(os.environ, CIB_file=cib)
    for name in ("Delete nova-evacuate-iha, its location rule and the stop-first order",
                 "Delete the constraint holding nova-evacuate stopped"):
        line = " ".join(tasks[name]["command"].split())
        subprocess.run(["sh", "-c", line], env=env, check=True, capture_output=True)
    after = Simulator(str(tmp_path / "sim")).simulate(cib, "back")
    started = {a.rsc for a in after.graph.actions.values() if a.operation == "start"}
    assert NOVA_EVACUATE in started, started


def _tasks(tasks, found=None):
    found = {} if found is None else found
    for task in tasks:
        found[task.get("name")] = task
        _tasks(task.get("block") or [], found)
    return found


def test_nothing_of_ours_on_a_default_deployment(tmp_path, example_disabled, example,
                                                 lifecycle_outputs):
    """EnableInstanceHA false from the start: the model and the cluster hold nothing of ours,
    and the disabled path creates nothing either."""
    _plan, fencing = example
    never = ClusterModel.from_plan(example_disabled)
    assert never.primitive(EVACUATE_IHA) is None and never.orders == []
    assert not [loc for loc in never.locations if loc.id.startswith("tripleo-instanceha-")]
    with open(tmp_path / "never.xml", "w") as handle:
        handle.write(never.to_xml())
    cib = str(tmp_path / "never.xml")
    runner = _runner(tmp_path, cib, example_disabled)
    run = runner.deploy(_outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False),
                        name="never")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "changed=0" in _recap(run), _recap(run)
    for name, xpath in OURS.items():
        assert harness.cib_query(cib, xpath) is None, name
    assert not os.path.exists(os.path.dirname(runner.ocf_dir))
