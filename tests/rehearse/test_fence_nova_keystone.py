"""fence-nova as puppet-tripleo configures it, run for real against a real keystone.

The device's parameters come from the cluster model (what puppet-tripleo
builds); the agent is Debian's fence_compute, invoked the way pacemaker's
fencer invokes it (key=value on stdin). Nova itself is not part of this test:
the catalog's compute endpoint is a closed port, so an agent that got past
keystone reports a connection failure there, and the keystone server's own
request log shows whether it issued the token (201) or refused it (401).
"""
import os
import socket
import subprocess

import pytest

from tripleo_instanceha.cluster.model import FENCE_NOVA, ClusterModel

from tests.conftest import ROOT
from tests.keystone_server import KeystoneServer
from tests.net import free_port

from .conftest import load_plan

FENCE_COMPUTE = "/usr/sbin/fence_compute"
#: Python 3.11 shim for Debian 12's fence-agents 4.12.1 (inspect.getargspec).
COMPAT = os.path.join(ROOT, "tests", "e2e", "assets", "compat")
NOVA_PASSWORD = "nova-service-test-password"
TOKENS = '"POST /v3/auth/tokens HTTP/1.1"'


@pytest.fixture(scope="module")
def keystone(tmp_path_factory):
    with KeystoneServer(str(tmp_path_factory.mktemp("keystone"))) as server:
        server.add_user("nova", NOVA_PASSWORD, "service")
        server.add_endpoint("compute", f"http://127.0.0.1:{free_port(socket.SOCK_STREAM)}/v2.1")
        yield server


def _fence_nova(tmp_path, keystone):
    env = tmp_path / "identity.yaml"
    env.write_text("parameter_defaults:\n  InstanceHAKeystoneUser: nova\n"
                   "  InstanceHAKeystoneProject: service\n"
                   f"  InstanceHAKeystonePassword: {NOVA_PASSWORD}\n")
    model = ClusterModel.from_plan(load_plan(tmp_path, extra=[str(env)]),
                                   keystone_url=keystone.url)
    return dict(model.primitive(FENCE_NOVA).params)


def _run_agent(keystone, params, action):
    """One fence_compute run; returns (rc, agent output, keystone's answers to it)."""
    seen = len(keystone.requests())
    params = {k: v for k, v in params.items() if k != "pcmk_host_list"}
    stdin = "".join(f"{k}={v}\n" for k, v in dict(params, action=action).items())
    run = subprocess.run([FENCE_COMPUTE], input=stdin, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=COMPAT), timeout=180)
    answers = [line for line in keystone.requests()[seen:] if line.startswith(TOKENS)]
    return run.returncode, run.stdout + run.stderr, answers


def test_fence_nova_of_the_nova_service_user_is_refused_by_keystone(tmp_path, keystone):
    params = _fence_nova(tmp_path, keystone)
    assert (params["login"], params["tenant_name"]) == ("nova", "nova")
    _rc, output, answers = _run_agent(keystone, params, "list")
    assert "Unauthorized" in output and "(HTTP 401)" in output, output
    assert answers and all(a.split()[3] == "401" for a in answers), answers
    # pacemaker's monitor of the device still passes: the cluster shows nothing wrong
    rc, output, answers = _run_agent(keystone, params, "monitor")
    assert rc == 0 and "(HTTP 401)" in output and answers


def test_the_same_user_in_its_own_project_is_accepted(tmp_path, keystone):
    """With the project keystone knows for the user, the token is issued and nova is next."""
    params = dict(_fence_nova(tmp_path, keystone), tenant_name="service")
    _rc, output, answers = _run_agent(keystone, params, "list")
    assert "(HTTP 401)" not in output, output
    assert [a.split()[3] for a in answers] == ["201"], answers
    assert "ConnectFailure" in output and "/v2.1/os-hypervisors" in output, output
