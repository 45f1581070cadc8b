"""The recovery budget: the formula on known inputs, and agent timings from the real agents."""
import pytest

from tripleo_instanceha.cluster import budget as B
from tripleo_instanceha.cluster.model import ClusterModel

from .conftest import load_plan


@pytest.mark.parametrize("agent", sorted(B.AGENT_DEFAULTS))
def test_built_in_defaults_match_the_installed_agent_metadata(agent):
    B.agent_defaults.cache_clear()
    values, source = B.agent_defaults(agent)
    assert source == f"{agent} -o metadata"
    assert values == B.AGENT_DEFAULTS[agent]


def test_example_budget_adds_up(tmp_path):
    plan = load_plan(tmp_path)
    result = B.budget(plan)
    stages = {s.name.split(" (")[0]: s for s in result.stages}
    # remote monitor 5 s + InstanceHARemoteMonitorTimeout 15 s (both our defaults)
    assert (stages["detection"].best, stages["detection"].worst) == (0, 20)
    assert "InstanceHARemoteMonitorTimeout" in stages["detection"].source
    # fence_ipmilan: power_wait 2 -> best 0+2+1; worst 0+5+2*20+2 = 47 (under stonith-timeout 60)
    assert stages["power fencing"].best == 1  # fence_redfish: power_wait 0
    assert stages["power fencing"].worst == 47
    assert stages["fence-nova marks the host down"].worst == 25
    # ... + InstanceHAEvacuatePollInterval 2 s + evacuate delay 0 + fence_evacuate 5 s
    assert result.to_first_evacuate == (3, 20 + 47 + 25 + 2 + 0 + 5)
    assert result.to_rebuild[1] == result.to_first_evacuate[1] + 30
    text = result.to_text()
    assert "failure -> first evacuate call: 3s to 99s" in text


def test_tunables_and_device_params_move_the_budget(tmp_path):
    env = tmp_path / "slow.yaml"
    env.write_text("parameter_defaults:\n  InstanceHARemoteMonitorInterval: 20\n"
                   "  InstanceHAEvacuateDelay: 45\n")
    plan = load_plan(tmp_path, extra=[str(env)])
    cluster = ClusterModel.from_plan(plan)
    for prim in cluster.stonith:
        if prim.type == "fence_ipmilan":
            prim.params["delay"] = "15"
            prim.params["power_timeout"] = "60"
    result = B.budget(plan, cluster)
    stages = {s.name.split(" (")[0]: s for s in result.stages}
    assert stages["detection"].worst == 20 + 15
    assert stages["evacuate delay"].best == stages["evacuate delay"].worst == 45
    assert stages["power fencing"].worst == 60  # capped at stonith-timeout
    assert result.to_dict()["to_first_evacuate_s"]["worst"] == 35 + 60 + 25 + 2 + 45 + 5


def test_detection_waits_the_connection_monitors_real_timeout(tmp_path):
    """InstanceHARemoteMonitorTimeout when the lifecycle tasks set it; pacemaker's default op
    timeout (20 s), not the 30 s of ocf:pacemaker:remote's metadata, when puppet alone
    created the monitor (it gives it no timeout)."""
    env = tmp_path / "timeout.yaml"
    env.write_text("parameter_defaults:\n  InstanceHARemoteMonitorTimeout: 18\n")
    plan = load_plan(tmp_path, extra=[str(env)])

    def detection(cluster):
        return {s.name.split(" (")[0]: s for s in B.budget(plan, cluster).stages}["detection"]

    assert detection(ClusterModel.from_plan(plan)).worst == 5 + 18
    puppet_only = detection(ClusterModel.from_plan(plan, lifecycle=False))
    assert puppet_only.worst == 5 + 20
    assert "pacemaker's default" in puppet_only.source


def test_no_power_device_is_called_out(tmp_path):
    plan = load_plan(tmp_path, exclude=["compute-iha-0", "compute-iha-1"])
    result = B.budget(plan)
    assert any("never completes" in n for n in result.notes)


def test_the_evacuation_agent_notices_within_its_poll_interval(tmp_path):
    """nova-evacuate-iha's worker polls every InstanceHAEvacuatePollInterval; the stock agent's
    monitor interval counts only where ours is not deployed."""
    env = tmp_path / "poll.yaml"
    env.write_text("parameter_defaults:\n  InstanceHAEvacuatePollInterval: 3\n")
    plan = load_plan(tmp_path, extra=[str(env)])
    cluster = ClusterModel.from_plan(plan)
    assert cluster.primitive("nova-evacuate-iha").params["poll_interval"] == "3"
    stages = {s.name: s for s in B.budget(plan, cluster).stages}
    assert (stages["nova-evacuate-iha notices (poll)"].best,
            stages["nova-evacuate-iha notices (poll)"].worst) == (0, 3)
    puppet_only = ClusterModel.from_plan(plan, lifecycle=False)
    stages = {s.name: s for s in B.budget(plan, puppet_only).stages}
    assert stages["nova-evacuate notices (monitor)"].worst == 10
