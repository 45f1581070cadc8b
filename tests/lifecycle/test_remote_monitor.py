"""The lifecycle tasks set InstanceHARemoteMonitorTimeout on the Instance HA connections.

puppet-tripleo creates each compute's ``ocf:pacemaker:remote`` connection with
``op monitor interval=N`` only, so pacemaker's default op timeout (20 s)
applies. External deploy step 5 writes the parameter's timeout on the monitor
of every Instance HA compute's connection, once; the disabled path takes it
off again when it still has the parameter's value. Real ansible-core, real
cibadmin and crm_simulate of each stack on a CIB file built by the cluster
model: ``puppet_cib`` as puppet alone leaves it, ``cib`` as the tasks leave it.
"""
import xml.etree.ElementTree as ET

from tripleo_instanceha.cluster.model import REMOTE_MONITOR_TIMEOUT
from tripleo_instanceha.cluster.simulate import Simulator

from tests.lifecycle import harness
from tests.lifecycle.test_deploy import DISABLE_RELEASE, ENABLE_RELEASE, _outputs, _runner
from tests.lifecycle.test_evacuation_agent import _epoch, _recap


def _monitor(cib, node):
    """The attributes of the connection's monitor op (None when there is none)."""
    found = harness.cib_query(
        cib, f"//resources/primitive[@id='{node}'][@type='remote']/operations/op[@name='monitor']")
    return None if found is None else dict(ET.fromstring(found).attrib)


def _task_output(run, task):
    """What ansible printed for the task's last run (the steps include every task)."""
    return run.stdout.rsplit(f"TASK [{task}]", 1)[1].split("TASK [", 1)[0]


def _computes(plan):
    return [p.name for p in plan.iha_computes]


def test_step5_sets_the_timeout_once(tmp_path, puppet_cib, example, lifecycle_outputs):
    plan, fencing = example
    before = {n: _monitor(puppet_cib, n) for n in _computes(plan)}
    assert all(op is not None and "timeout" not in op for op in before.values()), before
    runner = _runner(tmp_path, puppet_cib, plan)
    outputs = _outputs(lifecycle_outputs, ENABLE_RELEASE, fencing)
    run = runner.deploy(outputs)
    assert run.returncode == 0, run.stdout[-3000:]
    assert REMOTE_MONITOR_TIMEOUT == 15
    for node, op in before.items():
        assert _monitor(puppet_cib, node) == dict(op, timeout="15s"), node

    # a re-run finds every timeout right: no CIB write, nothing changed
    epoch = _epoch(puppet_cib)
    again = runner.deploy(outputs, name="again")
    assert again.returncode == 0, again.stdout[-3000:]
    assert "changed=0" in _recap(again), _recap(again)
    assert _epoch(puppet_cib) == epoch


def test_a_changed_parameter_reschedules_the_monitor_without_a_restart(
        tmp_path, cib, example, lifecycle_outputs):
    """A new InstanceHARemoteMonitorTimeout replaces the old one; pacemaker then only
    re-schedules the connections' monitors with it: no stop, no start, no fencing."""
    plan, fencing = example
    computes = _computes(plan)
    assert {_monitor(cib, n)["timeout"] for n in computes} == {"15s"}
    runner = _runner(tmp_path, cib, plan)
    run = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing,
                                 InstanceHARemoteMonitorTimeout=25), settle=False)
    assert run.returncode == 0, run.stdout[-3000:]
    assert {_monitor(cib, n)["timeout"] for n in computes} == {"25s"}

    after = Simulator(str(tmp_path / "sim")).simulate(cib, "after-timeout")
    assert after.graph.fencing() == []
    for node in computes:
        assert after.graph.ops(node, "stop") == [], node
        assert after.graph.ops(node, "start") == [], node
        monitors = [a for a in after.graph.ops(node, "monitor") if a.interval_ms]
        assert [a.attrs["CRM_meta_timeout"] for a in monitors] == ["25000"], node


def test_an_op_puppets_deep_compare_rewrote_gets_the_timeout_back(tmp_path, cib, example,
                                                                  lifecycle_outputs):
    """puppet-tripleo creates the connections without deep_compare, so a puppet re-run
    leaves the op alone. With deep_compare turned on for remotes, puppet-pacemaker would
    run ``pcs resource update NODE ... op monitor interval=N``, which drops the timeout;
    the next step 5 writes it back."""
    plan, fencing = example
    first, second = _computes(plan)
    server = harness.cib_query(cib, f"//primitive[@id='{first}']//nvpair[@name='server']")
    address = ET.fromstring(server).get("value")
    interval = _monitor(cib, first)["interval"]
    # --force: every connection's server is 127.0.0.1 here, which pcs refuses to repeat
    harness.pcs(cib, "--force", "resource", "update", first, f"server={address}",
                "reconnect_interval=60", "op", "monitor", f"interval={interval}")
    assert "timeout" not in _monitor(cib, first)
    runner = _runner(tmp_path, cib, plan)
    run = runner.deploy(_outputs(lifecycle_outputs, ENABLE_RELEASE, fencing))
    assert run.returncode == 0, run.stdout[-3000:]
    assert {_monitor(cib, n)["timeout"] for n in (first, second)} == {"15s"}
    # one write: the second compute's timeout was already right
    written = _task_output(run, "Write the monitor timeout where it differs")
    assert [line.split("(item=")[1].rstrip(")") for line in written.splitlines()
            if line.startswith("changed:")] == [first], written


def test_disable_restores_the_monitor_puppet_created(tmp_path, cib, puppet_cib, example,
                                                     lifecycle_outputs):
    """Only a timeout equal to the parameter's value is removed: the op is then the one
    puppet-tripleo created (no timeout); an operator's own value stays."""
    plan, fencing = example
    first, second = _computes(plan)
    puppet_op = _monitor(puppet_cib, first)
    assert "timeout" not in puppet_op
    # the operator's own timeout on the second compute, not the parameter's
    op = _monitor(cib, second)
    harness.pcs(cib, "resource", "update", second, "op", "monitor",
                f"interval={op['interval']}", "timeout=40s")
    mine = _monitor(cib, second)
    assert mine["timeout"] == "40s"

    runner = _runner(tmp_path, cib, plan)
    outputs = _outputs(lifecycle_outputs, DISABLE_RELEASE, fencing, enabled=False)
    run = runner.deploy(outputs, name="disable")
    assert run.returncode == 0, run.stdout[-3000:]
    assert _monitor(cib, first) == puppet_op
    assert _monitor(cib, second) == mine
    assert "TASK [Remove the monitor timeout the lifecycle tasks set]" in run.stdout

    epoch = _epoch(cib)
    again = runner.deploy(outputs, name="disable-again")
    assert again.returncode == 0, again.stdout[-3000:]
    assert "changed=0" in _recap(again), _recap(again)
    assert _epoch(cib) == epoch
