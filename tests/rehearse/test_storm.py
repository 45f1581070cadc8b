"""The many-computes-fail scenario and the storm guard's model (cluster/storm.py).

The decision is checked against the agent's rules (doc/source/evacuation-agent.rst,
"Storm guard"): a storm is count x 100 > threshold x computes, the allowance
floor(threshold x computes / 100), the order oldest failure first then host name,
the cap a delay of whole polls. tests/guard runs the agent itself.
"""
import pytest

from tests import stacks
from tripleo_instanceha.cluster import budget as B
from tripleo_instanceha.cluster import scenarios as S
from tripleo_instanceha.cluster import storm
from tripleo_instanceha.cluster.model import EVACUATE_IHA, ClusterModel
from tripleo_instanceha.cluster.scenarios import Rehearsal
from tripleo_instanceha.errors import InputError

from .conftest import COMPUTES, load_plan


def _guarded(tmp_path, **values):
    env = tmp_path / "storm.yaml"
    env.write_text("parameter_defaults:\n" + "".join(f"  {k}: {v}\n" for k, v in values.items()))
    return load_plan(tmp_path, extra=[str(env)])


def test_the_model_carries_the_plan_s_guard(tmp_path):
    plan = _guarded(tmp_path, InstanceHAStormThreshold=50, InstanceHAStormWindow=600,
                    InstanceHAEvacuationsPerPass=3, InstanceHAEvacuatePollInterval=4)
    params = ClusterModel.from_plan(plan).primitive(EVACUATE_IHA).params
    assert (params["storm_threshold"], params["storm_window"], params["max_per_pass"],
            params["poll_interval"]) == ("50", "600", "3", "4")
    assert storm.Guard.of(ClusterModel.from_plan(plan)) == storm.Guard(50, 600, 3, 4)
    assert storm.Guard.of(ClusterModel.from_plan(plan, lifecycle=False)) is None


def test_defaults_turn_the_guard_off(example_plan):
    params = ClusterModel.from_plan(example_plan).primitive(EVACUATE_IHA).params
    assert (params["storm_threshold"], params["storm_window"], params["max_per_pass"]) == (
        "0", "300", "0")


@pytest.mark.parametrize("threshold, computes, failed, allowed, held", [
    # the doc's example: 50 % of 4, two is not above it, three is
    (50, 4, ["c1", "c0"], ["c0", "c1"], []),
    (50, 4, ["c2", "c1", "c0"], ["c0", "c1"], ["c2"]),
    # floor: 30 % of 10 is 3
    (30, 10, [f"c{i}" for i in range(5)], ["c0", "c1", "c2"], ["c3", "c4"]),
    # off: everyone
    (0, 4, ["c3", "c2", "c1", "c0"], ["c0", "c1", "c2", "c3"], []),
    # too low for one failure: held
    (20, 4, ["c0"], [], ["c0"]),
])
def test_the_decision_follows_the_agent(threshold, computes, failed, allowed, held):
    decision = storm.decide(storm.Guard(threshold=threshold), computes, failed)
    assert (decision.evacuated, decision.held) == (allowed, held)
    assert decision.storm == bool(held)


def test_oldest_failure_first_then_host_name():
    decision = storm.decide(storm.Guard(threshold=50), 4, ["a", "b", "c"],
                            failed_at={"a": 20, "b": 10, "c": 10})
    assert decision.evacuated == ["b", "c"] and decision.held == ["a"]


def test_the_cap_delays_by_polls_and_never_holds():
    guard = storm.Guard(threshold=0, cap=2, poll=5)
    decision = storm.decide(guard, 6, ["c4", "c3", "c2", "c1", "c0"])
    assert decision.passes == [["c0", "c1"], ["c2", "c3"], ["c4"]] and decision.held == []
    assert storm.cap_delay(guard, 5) == 10
    lines = dict(storm.explain(guard, decision))
    assert lines["evacuated (oldest failure first, then host name)"] == \
        "+0s: c0, c1; +5s: c2, c3; +10s: c4"


def test_the_budget_says_what_the_guard_adds(tmp_path):
    plan = _guarded(tmp_path, InstanceHAStormThreshold=50, InstanceHAEvacuationsPerPass=1)
    notes = B.budget(plan, ClusterModel.from_plan(plan)).notes
    held = [n for n in notes if "InstanceHAStormThreshold=50%" in n]
    assert held and "operator's release" in held[0] and "only the first 1 " in held[0]
    cap = [n for n in notes if "InstanceHAEvacuationsPerPass=1" in n]
    assert cap and "the last waits 0s more" in cap[0]
    (tmp_path / "plain").mkdir()
    plain = B.budget(load_plan(tmp_path / "plain"))
    assert not [n for n in plain.notes if "storm guard" in n or "PerPass" in n]


def _run(tmp_path, cluster_stack, plan, failures=None):
    with stacks.active(cluster_stack):
        rehearsal = Rehearsal(ClusterModel.from_plan(plan), str(tmp_path / "work"))
        rehearsal.storm_failures = failures
        return {r.name: r for r in rehearsal.run([S.MANY_COMPUTES])}[S.MANY_COMPUTES]


def test_the_scenario_fences_all_and_holds_above_the_threshold(tmp_path, cluster_stack):
    """Both example computes fail with a 50 % guard: crm_simulate fences both, the model
    evacuates the first by name and holds the other, and says it is a model."""
    result = _run(tmp_path, cluster_stack, _guarded(tmp_path, InstanceHAStormThreshold=50))
    assert result.ok and result.failed == COMPUTES
    steps = {s.name: s.detail for s in result.steps}
    for node in COMPUTES:
        assert f"pacemaker fences {node}" in steps
    model = [s for s in result.steps if s.name.startswith("storm guard")]
    assert model and "not crm_simulate" in model[0].name
    assert steps["evacuated (oldest failure first, then host name)"] == f"+0s: {COMPUTES[0]}"
    held = [s for s in result.steps if s.name.startswith("held")]
    assert held and held[0].detail == COMPUTES[1]


def test_the_scenario_with_the_guard_off_evacuates_all(tmp_path, cluster_stack, example_plan):
    result = _run(tmp_path, cluster_stack, example_plan, failures=2)
    steps = {s.name: s.detail for s in result.steps}
    assert steps["evacuated (oldest failure first, then host name)"] == \
        "+0s: " + ", ".join(COMPUTES)
    assert not [s for s in result.steps if s.name.startswith("held")]


def test_too_many_failures_is_one_clear_error(tmp_path, cluster_stack, example_plan):
    with pytest.raises(InputError) as raised:
        _run(tmp_path, cluster_stack, example_plan, failures=5)
    assert "--storm-failures" in str(raised.value) and "pass 1 to 2" in str(raised.value)
