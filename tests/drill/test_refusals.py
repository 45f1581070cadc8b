"""What the drill refuses before it touches anything (no cloud needed for these)."""
from __future__ import annotations

import argparse
import json
import os
import stat

import pytest

from tripleo_instanceha.drill.methods import DrillRefused, bmc_power_off, sysrq_crash

from .conftest import run_drill

BASE = ["--compute", "compute-0.localdomain", "--image", "cirros", "--flavor", "m1.tiny"]


def test_no_confirmation_no_crash(monkeypatch):
    # no cloud is configured: the refusal must come before any Nova call
    for key in [k for k in os.environ if k.startswith("OS_")]:
        monkeypatch.delenv(key)
    code, out, err = run_drill(BASE + ["--method", "sysrq-crash"])
    assert code == 2 and out == ""
    assert "--confirm-crash compute-0.localdomain" in err, err
    code, _, err = run_drill(BASE + ["--method", "sysrq-crash", "--confirm-crash",
                                     "compute-1.localdomain"])
    assert code == 2 and "--confirm-crash compute-0.localdomain" in err, err
    assert "Traceback" not in err


def _sysrq(address, user=None):
    return sysrq_crash.SysrqCrash("compute-0.localdomain", argparse.Namespace(
        ssh_address=address, ssh_user=user))


@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1"])
def test_sysrq_refuses_this_machine(address):
    with pytest.raises(DrillRefused, match="this machine"):
        _sysrq(address).check()


def test_sysrq_refuses_a_node_that_shares_this_kernel(tmp_path, monkeypatch):
    """Nodes that are namespaces (or containers) of this machine: ssh reaches them, and
    their boot id is this kernel's. Here ssh itself is such a node: a stand-in that runs
    the remote command on this kernel, as `ip netns exec` would."""
    ssh = tmp_path / "ssh"
    ssh.write_text('#!/bin/sh\n# drop the options and the target, run the command here\n'
                   'while [ "$1" = -o ]; do shift 2; done; shift\n'
                   'case "$1" in *sysrq-trigger*) echo "must never run" >&2; exit 99;; esac\n'
                   'exec sh -c "${1#sudo -n true && }"\n')
    ssh.chmod(ssh.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(DrillRefused, match="shares? one kernel|this machine's kernel"):
        _sysrq("192.0.2.10").check()


def test_sysrq_without_ssh_access_is_refused(tmp_path, monkeypatch):
    ssh = tmp_path / "ssh"
    ssh.write_text("#!/bin/sh\necho 'Permission denied (publickey).' >&2\nexit 255\n")
    ssh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(DrillRefused, match="Permission denied.*--ssh-user"):
        _sysrq("192.0.2.10", "heat-admin").check()


def test_budget_file_must_be_rehearse_output(tmp_path, monkeypatch):
    bad = tmp_path / "budget.json"
    bad.write_text('{"scenarios": []}')
    code, _, err = run_drill(BASE + ["--method", "sysrq-crash", "--dry-run",
                                     "--budget", str(bad)])
    assert code == 2 and str(bad) in err and "rehearse" in err, err


def _bmc_power_off(tmp_path, monkeypatch, agent_output: str):
    """BmcPowerOff on an inventory whose IPMI device is a stand-in fence_ipmilan on PATH
    that prints what a real one prints (fence-agents' own messages) and exits 1."""
    agent = tmp_path / "fence_ipmilan"
    agent.write_text("#!/bin/sh\ncat >/dev/null\necho '%s' >&2\nexit 1\n" % agent_output)
    agent.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    inventory = tmp_path / "instackenv.json"
    inventory.write_text(json.dumps({"nodes": [{
        "name": "compute-0", "pm_type": "ipmi", "pm_addr": "192.0.2.20",
        "pm_user": "admin", "pm_password": "secret-pw",
        "ports": [{"address": "52:54:00:dd:00:01"}]}]}))
    return bmc_power_off.BmcPowerOff("compute-0.localdomain", argparse.Namespace(
        bmc_from=str(inventory), bmc_node=None, nodes=None))


def test_power_off_sent_but_not_confirmed_is_followed_not_refused(tmp_path, monkeypatch):
    """The agent logged in and sent the off, then read "on" again (the cluster's reboot
    fence can be that fast): the compute was crashed, so the drill must follow Nova,
    not stop with "nothing was crashed" and leave a failed compute unwatched."""
    method = _bmc_power_off(tmp_path, monkeypatch,
                            "2026-12-08 ERROR: Failed: Timed out waiting to power OFF")
    note = method.crash()
    assert note and "following Nova" in note and "secret-pw" not in note


def test_power_off_refused_by_the_bmc_means_nothing_was_crashed(tmp_path, monkeypatch):
    method = _bmc_power_off(tmp_path, monkeypatch,
                            "2026-12-08 ERROR: Unable to connect/login to fencing device")
    with pytest.raises(DrillRefused, match="nothing was crashed"):
        method.crash()
