"""`status` on a live cluster, on both cluster stacks: the readers against real daemons.

The node is tests/live_cib.py's one-controller cluster, named as the example's
first controller and running the example's configuration from the project's
model. The computes never connect (there are none), which the verdict must
say; what is under test is that the live path reads crm_mon, the CIB, the
fencer's history and the *private* evacuate attributes, which only the
attribute manager holds (fence_compute sets them with ``attrd_updater -p``).
The program runs here; pacemaker's tools reach the node through shims that
enter its namespaces (and its stack's root), as they would run on a controller.
"""
import json
import os
import shutil
import stat
import time
import xml.etree.ElementTree as ET

import pytest

from tests import live_cib
from tests.e2e.cib import configuration_xml

from tests.guard.conftest import run_cli

from .conftest import CONTROLLERS, COMPUTES, example_model, run_status

SBIN = "/usr/sbin:/sbin:/usr/bin:/bin"
TOOLS = ("crm_mon", "cibadmin", "attrd_updater", "stonith_admin", "crm_attribute")
SHIM = """#!/bin/sh
exec nsenter --target {pid} --net --mount --uts -- {chroot} \
env PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 {tool} "$@"
"""
FAILED_COMPUTE = COMPUTES[1]
#: fence_compute names the host as Nova does, with the domain (its plug name); attrd keeps
#: the value under that name, which no cluster node has, so nothing purges it
EVACUATE_HOST = FAILED_COMPUTE + ".localdomain"


@pytest.fixture
def node(on_cluster_stack, tmp_path):
    """The live node with the example's configuration loaded."""
    product = on_cluster_stack.product
    live = live_cib.LiveNode(str(tmp_path / "node"), on_cluster_stack.root,
                             name=CONTROLLERS[0], feature_set=product.feature_set,
                             schema=product.schema)
    try:
        live.start()
        model = example_model(str(tmp_path / "model"))
        model.stack = product
        # the node's /var/lib/pacemaker is this folder, on either stack
        config = os.path.join(live.state, "lib-pacemaker", "configuration.xml")
        fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # passwords
        with os.fdopen(fd, "w") as handle:
            handle.write(configuration_xml(model))
        loaded = live.run("cibadmin --replace --scope configuration "
                          "--xml-file /var/lib/pacemaker/configuration.xml")
        assert loaded.returncode == 0, loaded.stderr
        yield live
    finally:
        killed = live.stop()
    assert not killed, "processes of the node outlived its stop: %s" % killed


@pytest.fixture
def shims(node, tmp_path, monkeypatch):
    folder = tmp_path / "shims"
    folder.mkdir()
    chroot = f"chroot {node.root}" if node.root != "/" else ""
    for name in TOOLS:
        path = folder / name
        path.write_text(SHIM.format(pid=node.proc.pid, chroot=chroot, tool=name))
        path.chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return folder


def _evacuate(node, value):
    """Set the attribute as fence_compute does, and wait until the manager answers with it."""
    run = node.run(f"attrd_updater -p -n evacuate -N {EVACUATE_HOST} -U {value}")
    assert run.returncode == 0, run.stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = node.run(f"attrd_updater -n evacuate -Q -N {EVACUATE_HOST}").stdout
        if f'value="{value}"' in shown:
            return
        time.sleep(0.2)
    pytest.fail(f"attrd never showed evacuate={value}: {shown!r}")


def _status():
    code, out, err = run_status(["--format", "json"])
    assert code in (0, 1), err
    return code, json.loads(out)


def test_live_cluster_reads_the_private_evacuate_attribute(node, shims):
    _evacuate(node, "yes")
    # private: the attribute manager holds it, the CIB does not
    cib = ET.fromstring(node.run("cibadmin --query").stdout)
    assert not cib.findall(".//nvpair[@name='evacuate']"), "evacuate is in the CIB"
    code, data = _status()
    assert code == 1 and data["source"]["kind"] == "live", data
    assert data["evacuate_attributes"] == {EVACUATE_HOST: "yes"}
    rules = {r["id"]: r["status"] for r in data["rules"]}
    assert rules["evacuations"] == "fail" and rules["fencing-history"] != "not checked"
    assert rules["quorum"] == "pass" and rules["fencing-topology"] == "pass", rules
    pending = [r for r in data["reasons"] if r["rule"] == "evacuations"]
    assert [r["subject"] for r in pending] == [FAILED_COMPUTE]
    computes = {c["name"]: c for c in data["computes"]}
    assert sorted(computes) == COMPUTES and computes[FAILED_COMPUTE]["evacuate"] == "yes"
    # no compute ever connected: both offline, and said so
    assert {c["remote"] for c in computes.values()} == {"offline"}
    assert data["not_shown"] == {}

    _evacuate(node, "no")  # what nova-evacuate writes once the instances are evacuated
    _, data = _status()
    assert {r["id"]: r["status"] for r in data["rules"]}["evacuations"] == "pass"
    assert data["evacuate_attributes"] == {EVACUATE_HOST: "no"}


def test_no_cluster_here_is_exit_2_in_one_line(tmp_path, monkeypatch):
    """Off a controller: the real crm_mon, in a network namespace of its own, reaches no
    cluster (pacemaker's IPC sockets are abstract, so per network namespace)."""
    folder = tmp_path / "shims"
    folder.mkdir()
    shim = folder / "crm_mon"
    shim.write_text(f'#!/bin/sh\nexec unshare --net {shutil.which("crm_mon", path=SBIN)} "$@"\n')
    shim.chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    code, out, err = run_status([])
    assert code == 2 and out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("error: no cluster reachable here: crm_mon said: ") and "--cib" in err
    assert "Connection to cluster failed" in err and "<" not in err, err


def test_live_fencing_history_shows_failed_unfencing(node, shims):
    """Pacemaker unfences each compute through fence-nova, which cannot run here: it fails.

    The fencer's history is the only place that says so (it is not in the CIB).
    """
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        xml = node.run("stonith_admin --history '*' --verbose --output-as=xml").stdout
        events = ET.fromstring(xml).iter("fence_event")
        if {e.get("target") for e in events if e.get("action") == "on"
                and e.get("status") == "failed"} >= set(COMPUTES):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"pacemaker never failed to unfence both computes: {xml}")
    code, data = _status()
    failed = sorted(r["subject"] for r in data["reasons"] if r["rule"] == "fencing-history")
    assert failed == COMPUTES, data["reasons"]
    assert all("unfencing failed" in r["finding"] for r in data["reasons"]
               if r["rule"] == "fencing-history")


def test_live_holds_and_kill_switch_are_reasons_until_released(node, shims, monkeypatch):
    """The runtime controls, set with the product's own command on the live cluster."""
    monkeypatch.setenv("SUDO_USER", "opera")
    held = COMPUTES[0]
    code, _, err = run_cli(["hold", held])
    assert code == 0, err
    _, data = _status()
    reasons = [r for r in data["reasons"] if r["rule"] == "evacuation-holds"]
    assert [r["subject"] for r in reasons] == [held], reasons
    assert "held by opera since" in reasons[0]["finding"]
    assert f"evacuations release {held}" in reasons[0]["fix"]
    assert data["evacuations"]["switch"] == "on"
    assert [h["host"] for h in data["evacuations"]["held"]] == [held]

    code, _, err = run_cli(["hold"])  # no host: the kill switch
    assert code == 0, err
    code, out, _ = run_status([])
    assert code == 1 and "evacuations: switched OFF cluster-wide; held: " + held in out, out
    assert "[evacuation-holds] cluster: evacuations are switched off cluster-wide by opera " \
        "at 20" in out, out
    assert _status()[1]["evacuations"]["switch_set"]["by"] == "opera"

    for argv in (["release"], ["release", held]):
        code, _, err = run_cli(argv)
        assert code == 0, err
    _, data = _status()
    rules = {r["id"]: r["status"] for r in data["rules"]}
    assert rules["evacuation-holds"] == "pass", data["reasons"]
    assert data["evacuations"] == {"switch": "on", "switch_set": None, "held": []}
