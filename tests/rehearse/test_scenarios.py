"""Scenarios on the bundled example and on broken plans, judged on crm_simulate's own graphs."""
import xml.etree.ElementTree as ET

import pytest

from tests import stacks
from tripleo_instanceha.cluster import scenarios as S
from tripleo_instanceha.cluster.model import EVACUATE_IHA, FENCE_NOVA, ClusterModel
from tripleo_instanceha.cluster.scenarios import Rehearsal

from tripleo_instanceha.plan import Plan

from .conftest import COMPUTES, CONTROLLERS, NODES, PARAMS, ROLES, fencing_env, load_plan


def graph_ops(path):
    """(operation, operation_key, on_node) of every action in a crm_simulate transition graph."""
    root = ET.parse(path).getroot()
    return {(e.get("operation"), e.get("operation_key"), e.get("on_node"))
            for syn in root.iter("synapse") for e in syn.find("action_set")}


@pytest.fixture(scope="module")
def example_run(tmp_path_factory, cluster_stack):
    """All scenarios once on the example; the tests read its graphs."""
    tmp = tmp_path_factory.mktemp("example")
    with stacks.active(cluster_stack):
        rehearsal = Rehearsal(ClusterModel.from_plan(load_plan(tmp)), str(tmp / "work"))
        return rehearsal, {r.name: r for r in rehearsal.run(list(S.SCENARIOS))}


def test_every_scenario_passes_on_the_example(example_run):
    rehearsal, results = example_run
    assert set(results) == {S.STEADY, *S.SCENARIOS}
    failing = {n: [s for s in r.steps if not s.ok] for n, r in results.items() if not r.ok}
    assert not failing
    assert not [f for f in rehearsal.findings if f.severity == "error"]


def test_compute_crash_graph_fences_the_compute_only(example_run):
    _, results = example_run
    ops = graph_ops(results[S.COMPUTE_CRASH].graphs[0])
    fenced = {(key, node) for op, key, node in ops if op == "stonith"}
    assert fenced == {(f"stonith-{COMPUTES[0]}-reboot", COMPUTES[0])}


def test_two_computes_are_both_fenced(example_run):
    _, results = example_run
    ops = graph_ops(results[S.TWO_COMPUTES].graphs[0])
    assert {node for op, _, node in ops if op == "stonith"} == set(COMPUTES)


def test_controller_loss_moves_nova_evacuate(example_run):
    rehearsal, results = example_run
    result = results[S.CONTROLLER_LOST]
    lost = result.failed[0]
    assert lost in CONTROLLERS
    ops = graph_ops(result.graphs[0])
    assert ("stonith", f"stonith-{lost}-reboot", lost) in ops
    starts = {node for op, key, node in ops if key == f"{EVACUATE_IHA}_start_0"}
    assert len(starts) == 1 and starts <= set(CONTROLLERS) - {lost}


def test_compute_and_evacuate_host_lost_together(example_run):
    _, results = example_run
    result = results[S.COMPUTE_AND_EVACUATE_HOST]
    ops = graph_ops(result.graphs[0])
    assert {node for op, _, node in ops if op == "stonith"} == set(result.failed)
    starts = {node for _, key, node in ops if key == f"{EVACUATE_IHA}_start_0"}
    assert starts and not starts & set(result.failed)


def test_returning_compute_is_unfenced_before_the_trigger_starts(example_run):
    _, results = example_run
    root = ET.parse(results[S.COMPUTE_RETURNS].graphs[1]).getroot()
    node = COMPUTES[0]
    start = next(syn for syn in root.iter("synapse")
                 for e in syn.find("action_set")
                 if e.get("operation") == "start" and e.get("on_node") == node
                 and e.find("primitive").get("id") == "compute-unfence-trigger")
    waits_for = {t.get("operation_key") for t in start.iter("trigger") for t in t}
    assert f"stonith-{node}-on" in waits_for


def _failed(results, name):
    return [s for s in results[name].steps if not s.ok]


def test_compute_without_a_device_fails_naming_it(tmp_path):
    plan = load_plan(tmp_path, exclude=["compute-iha-1"])
    rehearsal = Rehearsal(ClusterModel.from_plan(plan), str(tmp_path / "work"))
    results = {r.name: r for r in rehearsal.run([S.TWO_COMPUTES])}
    failed = _failed(results, S.TWO_COMPUTES)
    assert [s.name for s in failed] == [f"a fencing level of {COMPUTES[1]} pairs its power "
                                        "device with fence-nova"]
    assert "no stonith device can fence this node" in failed[0].detail
    assert any(f.node == COMPUTES[1] for f in rehearsal.findings if f.severity == "error")


def test_fence_nova_missing_a_compute_fails_naming_it(example_plan, tmp_path):
    model = ClusterModel.from_plan(example_plan)
    model.primitive(FENCE_NOVA).params["pcmk_host_list"] = COMPUTES[0]
    rehearsal = Rehearsal(model, str(tmp_path / "work"))
    results = {r.name: r for r in rehearsal.run([S.TWO_COMPUTES])}
    failed = _failed(results, S.TWO_COMPUTES)
    assert len(failed) == 1 and COMPUTES[1] in failed[0].name
    assert FENCE_NOVA in failed[0].detail and "does not cover" in failed[0].detail


def test_nova_evacuate_allowed_on_computes_fails(example_plan, tmp_path):
    model = ClusterModel.from_plan(example_plan)
    assert model.evacuator == "nova-evacuate-iha"
    model.locations = [loc for loc in model.locations if loc.rsc != model.evacuator]
    rehearsal = Rehearsal(model, str(tmp_path / "work"))
    results = {r.name: r for r in rehearsal.run([S.COMPUTE_CRASH])}
    failed = _failed(results, S.COMPUTE_CRASH)
    assert [s.name for s in failed] == ["nova-evacuate runs on a surviving controller"]
    assert all(c in failed[0].detail for c in COMPUTES)


def test_fencing_disabled_means_crm_simulate_fences_nothing(tmp_path):
    env = tmp_path / "nofence.yaml"
    env.write_text("parameter_defaults:\n  EnableFencing: false\n")
    fencing = fencing_env(tmp_path)
    plan = Plan.load(roles_file=ROLES, env_files=[PARAMS, fencing, str(env)], nodes_file=NODES)
    model = ClusterModel.from_plan(plan)
    assert model.properties["stonith-enabled"] == "false"
    rehearsal = Rehearsal(model, str(tmp_path / "work"))
    results = {r.name: r for r in rehearsal.run([S.COMPUTE_CRASH])}
    failed = {s.name for s in _failed(results, S.COMPUTE_CRASH)}
    assert f"pacemaker fences {COMPUTES[0]}" in failed
    assert not any(op == "stonith" for op, _, _ in
                   graph_ops(results[S.COMPUTE_CRASH].graphs[0]))
    assert any("stonith-enabled" in f.message for f in rehearsal.findings)


def test_large_clusters_schedule_a_subset_but_check_every_node(tmp_path):
    plan = load_plan(tmp_path, exclude=["compute-iha-1"])  # the node left out has no device
    model = ClusterModel.from_plan(plan)
    work = tmp_path / "work"
    rehearsal = Rehearsal(model, str(work), max_sim_remotes=1)
    results = {r.name: r for r in rehearsal.run([S.COMPUTE_CRASH])}
    assert rehearsal.sim_model.remotes == [COMPUTES[0]]
    assert "1 of 2 remote nodes" in results[S.STEADY].title
    assert results[S.COMPUTE_CRASH].ok
    # the configuration kept is the whole one; coverage still finds the unfenceable node
    assert COMPUTES[1] in (work / "cib.xml").read_text()
    assert COMPUTES[1] not in (work / "cib-simulated.xml").read_text()
    assert [f.node for f in rehearsal.findings if f.severity == "error"] == [COMPUTES[1]]


def test_two_controllers_never_run_their_own_device(tmp_path):
    """puppet-pacemaker's avoid constraints: without them pacemaker 2.0.5 and 2.1.5 put each
    of two controllers' devices on the controller it fences."""
    env = tmp_path / "two.yaml"
    env.write_text("parameter_defaults:\n  ControllerCount: 2\n")
    model = ClusterModel.from_plan(load_plan(tmp_path, extra=[str(env)]))
    rehearsal = Rehearsal(model, str(tmp_path / "work"))
    steady = rehearsal.start()
    assert steady.ok, [(s.name, s.detail) for s in steady.steps if not s.ok]
    for ctrl in model.controllers:
        device, = [p for p in model.stonith if p.owner == ctrl]
        placed = rehearsal.where.get(device.id)
        assert placed and ctrl not in placed, (device.id, rehearsal.where)
    result = rehearsal.controller_lost(CONTROLLERS[1])
    assert result.ok, [(s.name, s.detail) for s in result.steps if not s.ok]
