"""What pacemaker's scheduler does when pacemaker_remote restarts, in and out of maintenance.

crm_simulate on the cluster model's running CIB: a restart of pacemaker_remote
looks to the cluster like a failed monitor of the compute's connection
resource. Outside maintenance that fences the compute (and so evacuates its
instances); with the connection in maintenance, as the update and upgrade
tasks put it, nothing is scheduled. Leaving maintenance is safe only after
the failures recorded meanwhile are forgotten and the stopped daemon's
pending shutdown request is dropped, which the leave tasks do.
"""
import os
import shutil

from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.cluster.simulate import Simulator

from tests.lifecycle import harness


def _restart(sim, cib, plan, node, name):
    """pacemaker_remote on ``node`` restarts: its connection's monitor fails once."""
    monitor = ClusterModel.from_plan(plan).remote_monitor_ms(node)
    return sim.simulate(cib, name, inject=[f"{node}_monitor_{monitor}@"
                                           f"{_host_of(sim, cib, node)}=7"])


def _host_of(sim, cib, node):
    return sim.placement(cib)[node][0]


def test_restart_outside_maintenance_fences_the_compute(tmp_path, cib, example):
    plan, _fencing = example
    node = plan.iha_computes[0].name
    sim = Simulator(str(tmp_path))
    run = _restart(sim, cib, plan, node, "restart")
    assert [a.node for a in run.graph.fencing()] == [node]


def test_restart_in_maintenance_schedules_no_fencing(tmp_path, cib, example):
    plan, _fencing = example
    node = plan.iha_computes[0].name
    sim = Simulator(str(tmp_path))
    # what the update/upgrade tasks run on the pacemaker host
    harness.pcs(cib, "resource", "meta", node, "maintenance=true")
    run = _restart(sim, cib, plan, node, "restart-maintenance")
    assert run.graph.fencing() == []
    assert not [a for a in run.graph.actions.values() if a.kind == "rsc_op"
                and a.operation in ("stop", "start") and a.node == node]

    # leaving maintenance with the failure still recorded fences at once ...
    dirty = str(tmp_path / "dirty.xml")
    shutil.copyfile(run.after, dirty)
    harness.pcs(dirty, "resource", "meta", node, "maintenance=")
    assert [a.node for a in sim.simulate(dirty, "leave-dirty").graph.fencing()] == [node]

    # ... so the leave tasks refresh the connection first (offline stand-in for
    # "pcs resource refresh"), then leave maintenance: nothing is fenced
    clean = str(tmp_path / "clean.xml")
    shutil.copyfile(run.after, clean)
    harness.refresh(clean, node)
    harness.pcs(clean, "resource", "meta", node, "maintenance=")
    assert sim.simulate(clean, "leave-clean").graph.fencing() == []


#: a shutdown request's value: when the stopped daemon asked (any epoch)
ASKED = "1700000100"


def test_a_pending_shutdown_request_fences_on_leave_unless_dropped(tmp_path, cib, example):
    """pacemaker_remoted stopped cleanly while its connection is in maintenance can leave
    its shutdown request pending on the remote node (seen live, at random: the e2e
    scenario "remote restart in maintenance", where the lift then fenced the compute).
    With the request pending, the scheduler shuts the compute down at the lift (its
    resources and its connection stopped: live, through a session to a daemon that is
    gone) or, once the connection is probed again, fences it. Dropped first, as the
    leave tasks do, the lift fences nothing and starts the connection afresh."""
    plan, _fencing = example
    node = plan.iha_computes[0].name
    sim = Simulator(str(tmp_path))
    harness.pcs(cib, "resource", "meta", node, "maintenance=true")
    harness.crm_attribute(cib, "--node", node, "--name", "shutdown", "--lifetime", "reboot",
                          "--update", ASKED)
    outcome = {}
    for refreshed in (False, True):
        for dropped in (False, True):
            name = f"leave-{'refreshed' if refreshed else 'kept'}-" \
                f"{'dropped' if dropped else 'pending'}"
            path = str(tmp_path / f"{name}.xml")
            shutil.copyfile(cib, path)
            if refreshed:
                harness.refresh(path, node)
            if dropped:
                harness.crm_attribute(path, "--node", node, "--name", "shutdown",
                                      "--lifetime", "reboot", "--delete")
            harness.pcs(path, "resource", "meta", node, "maintenance=")
            graph = sim.simulate(path, name).graph
            outcome[(refreshed, dropped)] = (
                [a.node for a in graph.fencing()],
                "connection stopped" if graph.ops(node, "stop") else
                "connection started" if graph.ops(node, "start") else "nothing")
    assert outcome == {
        (False, False): ([], "connection stopped"),
        (True, False): ([node], "nothing"),
        (False, True): ([], "nothing"),
        (True, True): ([], "connection started"),
    }


def test_node_maintenance_alone_does_not_protect_the_compute(tmp_path, cib, example):
    """Why the tasks use the connection's maintenance, not ``pcs node maintenance``."""
    plan, _fencing = example
    node = plan.iha_computes[0].name
    sim = Simulator(str(tmp_path))
    harness.pcs(cib, "node", "maintenance", node)
    run = _restart(sim, cib, plan, node, "node-maintenance")
    assert [a.node for a in run.graph.fencing()] == [node]
    assert os.path.exists(run.after)
