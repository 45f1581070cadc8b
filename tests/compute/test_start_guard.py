"""The start guard of nova-compute (deployment/pacemaker/compute/check-run-nova-compute).

Its decisions are judged here on Nova's own records, shaped as novaclient returns them;
the real Nova judges the whole guard in tests/realcloud/test_control_plane.py (THT's
guard deadlocks there, this one brings the compute back). The script runs in the
nova_compute container's Python, so these tests load it as a file, not as a module.
"""
from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.conftest import ROOT

PATH = os.path.join(ROOT, "deployment", "pacemaker", "compute", "check-run-nova-compute")
HOST = "overcloud-novacomputeiha-0.localdomain"
OTHER = "overcloud-novacomputeiha-1.localdomain"


@pytest.fixture(scope="module")
def guard():
    loader = importlib.machinery.SourceFileLoader("check_run_nova_compute", PATH)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def service(forced_down, status="enabled"):
    return SimpleNamespace(forced_down=forced_down, status=status)


def migration(status, kind="evacuation", source=HOST):
    return SimpleNamespace(status=status, migration_type=kind, source_compute=source)


@pytest.mark.parametrize("svc, migrations, verdict", [
    # a new compute, or one Nova never forced down: THT's rule, start
    (None, [], "start"),
    (service(False), [migration("completed")], "start"),
    # fenced and not unfenced yet: fence_compute forced it down and disabled it
    (service(True, "disabled"), [migration("done")], "wait"),
    # unfenced (enabled) while nova refused the force-up: start, then force up
    (service(True), [migration("done")], "start-and-force-up"),
    # enabled and forced down with nothing nova-compute would complete: not an unfence
    # this guard can finish, so THT's rule holds
    (service(True), [migration("completed")], "wait"),
    (service(True), [migration("done", kind="live-migration")], "wait"),
    (service(True), [migration("done", source=OTHER)], "wait"),
    # an evacuation still moving an instance holds nova-compute, whatever the flags
    (service(False), [migration("pre-migrating")], "wait"),
    (service(True), [migration("done"), migration("accepted")], "wait"),
    (service(True), [migration("running", kind="live-migration")], "wait"),
])
def test_decide(guard, svc, migrations, verdict):
    assert guard.decide(svc, migrations, HOST)[0] == verdict


class FakeServices:
    """novaclient's services manager at microversion 2.23, recording force_down."""

    def __init__(self, states):
        self.states = list(states)
        self.forced = []

    def list(self, host, binary):
        forced_down, status = self.states[0] if len(self.states) == 1 else self.states.pop(0)
        return [SimpleNamespace(forced_down=forced_down, status=status)]

    def force_down(self, host, binary, force_down):
        self.forced.append((host, binary, force_down))


def nova(states, migration_lists):
    lists = list(migration_lists)
    return SimpleNamespace(
        services=FakeServices(states),
        migrations=SimpleNamespace(list=lambda host: lists.pop(0) if len(lists) > 1
                                   else lists[0]))


def test_forces_up_once_nova_compute_completed_the_evacuations(guard):
    client = nova([(True, "enabled")], [[migration("done")], [migration("done")],
                                        [migration("completed")]])
    assert guard.force_up_when_completed(client, HOST, timeout=5, interval=0) == 0
    assert client.services.forced == [(HOST, "nova-compute", False)]


def test_never_forces_up_a_host_fenced_again(guard):
    """Fenced again while waiting (fence_compute disabled it): forcing it up would make
    Nova refuse its evacuation ("still in use")."""
    client = nova([(True, "enabled"), (True, "disabled")], [[migration("done")]])
    assert guard.force_up_when_completed(client, HOST, timeout=5, interval=0) == 0
    assert client.services.forced == []


def test_gives_up_with_the_operators_command(guard, capsys):
    client = nova([(True, "enabled")], [[migration("done")]])
    assert guard.force_up_when_completed(client, HOST, timeout=0, interval=0) == 1
    assert "openstack compute service set --up %s nova-compute" % HOST in capsys.readouterr().out
    assert client.services.forced == []


def test_without_the_marker_file_it_execs_nova_compute_with_every_argument(tmp_path):
    """THT's command line: the guard's options are its own, the rest is nova-compute's."""
    fake = tmp_path / "nova-compute"
    fake.write_text("#!/bin/sh\necho \"$0 $*\"\n")
    fake.chmod(0o755)
    run = subprocess.run([sys.executable, PATH, "--config-file", "/etc/nova/nova.conf",
                          "--nova-binary", str(fake), "--enable-file",
                          str(tmp_path / "absent"), "--log-file", "/var/log/nova/c.log"],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "%s --config-file /etc/nova/nova.conf --log-file " \
        "/var/log/nova/c.log\n" % fake


def test_the_script_survives_ansible_and_heat():
    """Installed through an Ansible copy of Heat's get_file (inside a raw block, all the
    same): no Jinja markers; executable; Python the container can parse."""
    with open(PATH, encoding="utf-8") as handle:
        text = handle.read()
    assert not any(marker in text for marker in ("{{", "{%", "{#", "{% endraw %}"))
    assert os.stat(PATH).st_mode & 0o111
    assert text.startswith("#!/usr/bin/env python\n")
    ast.parse(text)
