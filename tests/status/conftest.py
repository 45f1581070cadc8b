"""Cluster states for the status tests, made by the project's model and pacemaker's own tools.

The healthy cluster is the bundled example's CIB (``ClusterModel.from_plan``)
brought up and settled by the rehearsal (``Rehearsal.start``: crm_simulate's
schedule, written as history). Every degraded state is made from it by
pacemaker itself: ``crm_simulate --op-inject`` for failed operations (with
``-S`` to carry out the transition the failure causes), and ``crm_resource``
/ ``crm_attribute`` on the saved CIB (``CIB_file``) for what the lifecycle
tasks and operators set.
"""
from __future__ import annotations

import io
import os
import subprocess
from typing import Callable, List, Optional

import pytest

from tripleo_instanceha.cli import app as app_mod
from tripleo_instanceha.cli.status import Status
from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.cluster.scenarios import Rehearsal
from tripleo_instanceha.cluster.simulate import tool
from tripleo_instanceha.example import example_files
from tripleo_instanceha.plan import Plan

COMPUTES = ["overcloud-novacomputeiha-0", "overcloud-novacomputeiha-1"]
CONTROLLERS = ["overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2"]


def example_model(workdir: str) -> ClusterModel:
    os.makedirs(workdir, exist_ok=True)
    roles, envs, nodes = example_files(workdir)
    return ClusterModel.from_plan(Plan.load(None, roles, envs, nodes, "overcloud"))


def settled(workdir: str, edit: Optional[Callable[[ClusterModel], None]] = None) -> str:
    """The example cluster (edited first by *edit*) started and settled: the steady CIB."""
    model = example_model(workdir)
    if edit is not None:
        edit(model)
    rehearsal = Rehearsal(model, workdir)
    result = rehearsal.start()
    assert result.steps[0].ok, result.steps[0].detail  # crm_verify accepts it
    return rehearsal.steady


def simulate(cib: str, out: str, inject: List[str] = (), execute: bool = True) -> str:
    """crm_simulate on *cib* with failed operations injected; the state saved to *out*."""
    argv = [tool("crm_simulate"), "-x", cib, "-O", out]
    if execute:
        argv.append("-S")
    for op in inject:
        argv += ["--op-inject", op]
    run = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, TZ="UTC"))
    assert run.returncode == 0 and os.path.exists(out), run.stderr
    return out


def on_file(cib: str, line: List[str]) -> None:
    """A pacemaker tool run against a saved CIB, as the lifecycle tasks run it live."""
    run = subprocess.run([tool(line[0])] + line[1:], capture_output=True, text=True,
                         env=dict(os.environ, CIB_file=cib))
    assert run.returncode == 0, run.stderr


def run_status(argv: List[str]):
    """The status command through the program (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    application = app_mod.InstanceHAApp()
    application.stdout, application.stderr = out, err
    # an installed checkout older than this command has no entry point for it yet
    application.command_manager.add_command("status", Status)
    code = application.run(["status"] + argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def healthy(tmp_path_factory) -> str:
    return settled(str(tmp_path_factory.mktemp("healthy")))
