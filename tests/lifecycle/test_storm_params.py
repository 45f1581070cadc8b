"""The storm guard's Heat parameters reach nova-evacuate-iha and stay there.

InstanceHAStormThreshold, InstanceHAStormWindow and InstanceHAEvacuationsPerPass
are the agent's own parameters (storm_threshold, storm_window, max_per_pass;
doc/source/evacuation-agent.rst, "Storm guard"): the lifecycle tasks write them
when they create the resource and whenever they copy nova-evacuate's changed
parameters, so neither a re-deploy nor a password puppet rotates drops them.
Real ansible-core and cibadmin on a CIB file of each stack, as
test_evacuation_agent.py.
"""
from tripleo_instanceha.cluster.model import EVACUATE_IHA, NOVA_EVACUATE, ClusterModel

from tests.lifecycle import harness
from tests.lifecycle.test_deploy import ENABLE_RELEASE, _outputs, _runner
from tests.lifecycle.test_evacuation_agent import (OWN_DEFAULTS, _epoch, _params, _recap,
                                                   _running)

GUARD = {"InstanceHAStormThreshold": 30, "InstanceHAStormWindow": 600,
         "InstanceHAEvacuationsPerPass": 2}
WRITTEN = dict(OWN_DEFAULTS, storm_threshold="30", storm_window="600", max_per_pass="2")
COPY = "TASK [Copy nova-evacuate's changed parameters to nova-evacuate-iha]"


def test_creation_writes_the_guard(tmp_path, puppet_cib, example, lifecycle_outputs):
    plan, fencing = example
    stock = _params(puppet_cib, NOVA_EVACUATE)
    runner = _runner(tmp_path, puppet_cib, plan)
    run = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing, **GUARD))
    assert run.returncode == 0, run.stdout[-3000:]
    assert _params(puppet_cib, EVACUATE_IHA) == dict(stock, **WRITTEN)
    assert _running(puppet_cib, EVACUATE_IHA)
    before = _epoch(puppet_cib)
    again = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing, **GUARD),
                          name="again")
    assert "changed=0" in _recap(again), _recap(again)
    assert _epoch(puppet_cib) == before


def test_the_guard_survives_a_copy_and_follows_the_parameters(tmp_path, cib, example,
                                                              lifecycle_outputs):
    """The defect this fixes: the copy step replaced the whole parameter set with
    nova-evacuate's and poll_interval, so the guard was off after the next deploy."""
    plan, fencing = example
    assert _params(cib, EVACUATE_IHA) == dict(_params(cib, NOVA_EVACUATE), **OWN_DEFAULTS)
    runner = _runner(tmp_path, cib, plan)
    guarded = _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing, **GUARD)

    # the parameters set on a cluster deployed without them: an update of ours
    run = runner.deploy(guarded, name="set")
    assert run.returncode == 0, run.stdout[-3000:]
    assert COPY in run.stdout
    assert _params(cib, EVACUATE_IHA) == dict(_params(cib, NOVA_EVACUATE), **WRITTEN)

    # puppet rotates the password: copied, and the guard kept
    rotated = dict(_params(cib, NOVA_EVACUATE), password="rotated-pw")
    harness.pcs(cib, "--force", "resource", "update", NOVA_EVACUATE,
                *[f"{k}={v}" for k, v in rotated.items()])
    run = runner.deploy(guarded, name="rotated")
    assert run.returncode == 0, run.stdout[-3000:]
    assert COPY in run.stdout
    assert _params(cib, EVACUATE_IHA) == dict(rotated, **WRITTEN)
    assert "rotated-pw" not in run.stdout

    # a re-deploy with the same parameters writes nothing
    before = _epoch(cib)
    again = runner.deploy(guarded, name="again")
    assert "changed=0" in _recap(again), _recap(again)
    assert _epoch(cib) == before

    # a hand edit of ours is put back to the Heat parameters' values, which win
    harness.pcs(cib, "--force", "resource", "update", EVACUATE_IHA, "storm_threshold=80")
    run = runner.deploy(guarded, name="hand-edit")
    assert run.returncode == 0, run.stdout[-3000:]
    assert _params(cib, EVACUATE_IHA)["storm_threshold"] == "30"

    # an update of a parameter changes it, the others stay
    run = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing,
                                 **dict(GUARD, InstanceHAStormThreshold=50)), name="update")
    assert run.returncode == 0, run.stdout[-3000:]
    assert _params(cib, EVACUATE_IHA) == dict(rotated, **dict(WRITTEN, storm_threshold="50"))


def test_the_model_carries_the_guard(example, tmp_path):
    """What rehearse and validate see is what the tasks write."""
    plan, _fencing = example
    model = ClusterModel.from_plan(plan)
    params = model.primitive(EVACUATE_IHA).params
    assert {k: params[k] for k in OWN_DEFAULTS} == OWN_DEFAULTS
    assert ClusterModel.from_plan(plan, lifecycle=False).primitive(EVACUATE_IHA) is None
