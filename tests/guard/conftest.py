"""The storm guard's live node: the agent's harness (tests/agent/harness.py) plus computes.

The node's CIB gets four ``ocf:pacemaker:remote`` primitives, held stopped
(``target-role=Stopped``, so nothing tries to connect): they are the Instance
HA computes the cluster knows, the guard's denominator, and what
``crm_attribute --node`` resolves a compute's records through. The CLI runs
in this process against the node through shims that enter its namespaces.
"""
import io
import os
from typing import List, Tuple

import pytest

from tests.agent.harness import node  # noqa: F401
from tripleo_instanceha.cli import app as app_mod
from tripleo_instanceha.cli import evacuations

COMPUTES = ("compute-0", "compute-1", "compute-2", "compute-3")
RECORDS = ("tripleo-instanceha-failed-at", "tripleo-instanceha-evacuation",
           "tripleo-instanceha-hold")
#: the pacemaker tools the CLI runs, entered into the node
SHIMMED = ("cibadmin", "crm_attribute", "attrd_updater", "crm_mon", "stonith_admin")


@pytest.fixture(scope="module")
def computes(node):  # noqa: F811
    for name in COMPUTES:
        created = node.run(
            "cibadmin --create -o resources -X '<primitive id=\"%s\" class=\"ocf\" "
            "provider=\"pacemaker\" type=\"remote\"><meta_attributes id=\"%s-meta\">"
            "<nvpair id=\"%s-role\" name=\"target-role\" value=\"Stopped\"/>"
            "</meta_attributes></primitive>'" % (name, name, name))
        assert created.returncode == 0, created.stderr
    return COMPUTES


def clear(node) -> None:  # noqa: F811
    """No evacuate attribute, no record, no kill switch: a test starts from a quiet cluster."""
    for host in COMPUTES:
        node.run("attrd_updater -n evacuate -D -N %s" % host)
        for name in RECORDS:
            node.run("crm_attribute --type nodes --node %s --name %s --delete" % (host, name))
    for name in ("tripleo-instanceha-evacuations", "tripleo-instanceha-evacuations-off"):
        node.run("crm_attribute --type crm_config --name %s --delete" % name)


def records(node, host: str) -> dict:  # noqa: F811
    """The guard's records of one host, read from the CIB."""
    found = {}
    for name in RECORDS:
        run = node.run("crm_attribute --type nodes --node %s --name %s --query --quiet"
                       % (host, name))
        if run.returncode == 0 and run.stdout.strip():
            found[name.rpartition("-")[2]] = run.stdout.strip()
    return found


@pytest.fixture(scope="module")
def shims(node, cluster_stack, tmp_path_factory):  # noqa: F811
    """A folder of the pacemaker tools, each run inside the node (first in PATH for the CLI)."""
    folder = str(tmp_path_factory.mktemp("node-shims"))
    chroot = "chroot %s " % cluster_stack.root if cluster_stack.root else ""
    for name in SHIMMED:
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            f.write('#!/bin/sh\nexec nsenter --target %d --net --mount --uts -- %s'
                    'env PATH=/usr/sbin:/usr/bin:/sbin:/bin %s "$@"\n'
                    % (node.proc.pid, chroot, name))
        os.chmod(path, 0o755)
    return folder


def run_cli(argv: List[str]) -> Tuple[int, str, str]:
    """``tripleo-instanceha evacuations ...`` through the program (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    application = app_mod.InstanceHAApp()
    application.stdout, application.stderr = out, err
    # an installed checkout older than these commands has no entry points for them yet
    for verb, cls in (("hold", evacuations.EvacuationsHold),
                      ("release", evacuations.EvacuationsRelease),
                      ("list", evacuations.EvacuationsList)):
        application.command_manager.add_command("evacuations " + verb, cls)
    code = application.run(["evacuations"] + argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def live_cli(shims, monkeypatch):
    """run_cli against the live node."""
    monkeypatch.setenv("PATH", shims + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("SUDO_USER", "opera")
    return run_cli
