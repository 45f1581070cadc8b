"""What the drill refuses before it touches anything (no cloud needed for these)."""
from __future__ import annotations

import argparse
import os
import stat

import pytest

from tripleo_instanceha.drill.methods import DrillRefused, sysrq_crash

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
