"""Minor update and major upgrade of Instance HA computes: maintenance around the restart.

THT runs, per compute and one at a time, the update (upgrade) steps 0-5
(tripleo-packages updates every package at step 3, and pacemaker-remote's
%pre/%post restart pacemaker_remoted), the host deploy steps (puppet, whose CIB
calls from the compute fail with rc 102 while its connection is held in
maintenance: pacemaker does not reconnect a connection in maintenance), then
the post update (upgrade) steps 0-3. The harness records the connection's
maintenance at the package restart and at the host deploy steps.
"""
import socket

import pytest

from tripleo_instanceha.cluster.simulate import Simulator

from tests.lifecycle import harness
from tests.net import free_port

UPDATE_RELEASE = "14.3.0"
UPGRADE_RELEASE = "18.0.0"
MARKER = "tripleo-instanceha-maintenance"


@pytest.fixture
def remote_port():
    """A listener standing in for pacemaker_remote (port 3121) on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def _maintenance(cib, node):
    return harness.cib_query(
        cib, f"//primitive[@id='{node}']/meta_attributes/nvpair[@name='maintenance']")


def _marker(cib, node):
    return harness.cib_query(cib, f"//node[@uname='{node}']//nvpair[@name='{MARKER}']")


def _run(tmp_path, cib, plan, outputs, kind, port, name=None):
    runner = harness.Runner(str(tmp_path), cib, [p.name for p in plan.cluster_members],
                            [p.name for p in plan.iha_computes])
    return runner.rolling(outputs, kind, extra={"tripleo_instanceha_remote_port": port},
                          name=name, record=f"{name or kind}.restart.log")


def _failing_package_step(outputs, kind):
    """The outputs with a package update that fails at step 3 (the run stops there)."""
    failing = {"name": "Update all packages (fails)", "when": "step|int == 3",
               "fail": {"msg": "package update failed"}}
    return dict(outputs, **{f"{kind}_tasks": list(outputs[f"{kind}_tasks"]) + [failing]})


def _outputs(lifecycle_outputs, version, fencing):
    return lifecycle_outputs(version, EnableInstanceHA=True,
                             EnableFencing=fencing["EnableFencing"],
                             FencingConfig=fencing["FencingConfig"])


def test_update_holds_maintenance_across_the_restart(tmp_path, cib, example, lifecycle_outputs,
                                                     remote_port):
    plan, fencing = example
    computes = [p.name for p in plan.iha_computes]
    run = _run(tmp_path, cib, plan, _outputs(lifecycle_outputs, UPDATE_RELEASE, fencing),
               "update", remote_port)
    assert run.returncode == 0, run.stdout[-3000:]
    # every compute was in maintenance when the package step restarted
    # pacemaker_remote, one after the other
    assert harness.restart_log(str(tmp_path), "update.restart.log") == {
        c: "true" for c in computes}
    # and out of it again before the host deploy steps, where puppet's CIB
    # calls from the compute need its connection up (R1-5)
    assert harness.restart_log(str(tmp_path), "update.restart.log", "deploy") == {
        c: "" for c in computes}, run.stdout[-3000:]
    for node in computes:
        assert _maintenance(cib, node) is None, node
        assert _marker(cib, node) is None, node


def test_upgrade_respects_an_operators_maintenance_and_resumes(tmp_path, cib, example,
                                                               lifecycle_outputs, remote_port):
    """The operator's own maintenance stays; an interrupted upgrade is finished by a re-run."""
    plan, fencing = example
    mine, theirs = (p.name for p in plan.iha_computes)
    harness.pcs(cib, "resource", "meta", theirs, "maintenance=true")
    outputs = _outputs(lifecycle_outputs, UPGRADE_RELEASE, fencing)

    # the upgrade stops at its package step (a failed package): maintenance is held
    interrupted = _failing_package_step(outputs, "upgrade")
    first = _run(tmp_path, cib, plan, interrupted, "upgrade", remote_port, name="interrupted")
    assert first.returncode != 0
    assert "package update failed" in first.stdout
    assert _maintenance(cib, mine) and _marker(cib, mine)
    assert _marker(cib, theirs) is None

    again = _run(tmp_path, cib, plan, outputs, "upgrade", remote_port, name="rerun")
    assert again.returncode == 0, again.stdout[-3000:]
    assert harness.restart_log(str(tmp_path), "rerun.restart.log") == {
        mine: "true", theirs: "true"}
    # ours is lifted before the host deploy steps; the operator's is theirs to lift
    assert harness.restart_log(str(tmp_path), "rerun.restart.log", "deploy") == {
        mine: "", theirs: "true"}, again.stdout[-3000:]
    assert _maintenance(cib, mine) is None and _marker(cib, mine) is None
    assert 'value="true"' in _maintenance(cib, theirs)
    assert _marker(cib, theirs) is None


def test_maintenance_is_kept_while_pacemaker_remote_is_down(tmp_path, cib, example,
                                                            lifecycle_outputs):
    """Leaving maintenance with the connection down would fence: the tasks wait and fail."""
    plan, fencing = example
    closed = free_port(socket.SOCK_STREAM)
    run = _run(tmp_path, cib, plan, _outputs(lifecycle_outputs, UPDATE_RELEASE, fencing),
               "update", closed)
    assert run.returncode != 0
    assert "Wait until pacemaker_remote accepts connections again" in run.stdout
    first = plan.iha_computes[0].name
    assert _maintenance(cib, first) and _marker(cib, first)


def test_absent_attribute_enters_maintenance_and_a_missing_resource_is_left_alone(
        tmp_path, cib, example, lifecycle_outputs, remote_port):
    """Existence and value are read separately (pacemaker 2.0.5 exits 105 for an absent attribute).

    The first compute has no maintenance attribute at all: the update marks it
    and enters maintenance for its package step, then leaves it. The second
    has no connection resource in this cluster (an unmanaged compute):
    nothing is set on it and nothing fails.
    """
    plan, fencing = example
    present, missing = (p.name for p in plan.iha_computes)
    assert _maintenance(cib, present) is None
    harness.pcs(cib, "resource", "delete", missing)
    assert harness.cib_query(cib, f"//primitive[@id='{missing}']") is None
    outputs = _outputs(lifecycle_outputs, UPDATE_RELEASE, fencing)
    run = _run(tmp_path, cib, plan, outputs, "update", remote_port, name="absent")
    assert run.returncode == 0, run.stdout[-3000:]
    assert harness.restart_log(str(tmp_path), "absent.restart.log") == {
        present: "true", missing: ""}, run.stdout[-3000:]
    assert _maintenance(cib, present) is None and _marker(cib, present) is None
    assert _marker(cib, missing) is None
    assert harness.cib_query(cib, f"//primitive[@id='{missing}']") is None


def test_system_upgrade_pass_holds_maintenance_across_the_leapp_reboot(
        tmp_path, cib, example, lifecycle_outputs, remote_port):
    """``upgrade run --tags system_upgrade``: untagged tasks do not run, ours must be tagged.

    tripleo-packages reboots the compute into the new OS at upgrade step 4
    (tags system_upgrade, system_upgrade_run); the untagged maintenance of the
    package pass (entered at step 1, left at step 4) does not run in this pass.
    """
    plan, fencing = example
    computes = [p.name for p in plan.iha_computes]
    runner = harness.Runner(str(tmp_path), cib, [p.name for p in plan.cluster_members], computes)
    run = runner.rolling(_outputs(lifecycle_outputs, UPGRADE_RELEASE, fencing), "upgrade",
                         extra={"tripleo_instanceha_remote_port": remote_port},
                         name="leapp", record="leapp.restart.log", tags="system_upgrade",
                         restart_step=4)
    assert run.returncode == 0, run.stdout[-3000:]
    assert harness.restart_log(str(tmp_path), "leapp.restart.log") == {
        c: "true" for c in computes}, run.stdout[-3000:]
    assert harness.restart_log(str(tmp_path), "leapp.restart.log", "deploy") == {
        c: "" for c in computes}, run.stdout[-3000:]
    for node in computes:
        assert _maintenance(cib, node) is None, node
        assert _marker(cib, node) is None, node


def test_update_leaves_maintenance_without_fencing_after_a_pending_shutdown(
        tmp_path, cib, example, lifecycle_outputs, remote_port):
    """The restart at the package step leaves the stopped daemon's shutdown request pending
    (as pacemaker sometimes records a clean stop in maintenance): the leave tasks drop it
    and make pacemaker probe the connection again before lifting the maintenance, so the
    scheduler fences nothing (tests/lifecycle/test_simulate.py has the states alone)."""
    plan, fencing = example
    computes = [p.name for p in plan.iha_computes]
    pending = {"name": "The stopped pacemaker_remoted's shutdown request stays pending",
               "ansible.builtin.command": "crm_attribute --node {{ inventory_hostname }} "
               "--name shutdown --lifetime reboot --update 1700000100",
               "changed_when": False}
    runner = harness.Runner(str(tmp_path), cib, [p.name for p in plan.cluster_members],
                            computes)
    run = runner.rolling(_outputs(lifecycle_outputs, UPDATE_RELEASE, fencing), "update",
                         extra={"tripleo_instanceha_remote_port": remote_port},
                         at_restart=[pending])
    assert run.returncode == 0, run.stdout[-3000:]
    for node in computes:
        assert _maintenance(cib, node) is None, node
        assert harness.cib_query(
            cib, f"//node_state[@uname='{node}']//nvpair[@name='shutdown']") is None, node
    graph = Simulator(str(tmp_path)).simulate(cib, "after-update").graph
    assert graph.fencing() == []
    assert sorted(a.rsc for a in graph.actions.values() if a.operation == "start"
                  and a.rsc in computes) == computes  # connections started afresh
