"""The alert agent run directly, as pacemaker runs it: CRM_alert_* in the environment.

pacemaker's own tools are shims first in PATH: ``crm_node -n`` names this
controller, ``cibadmin --query --xpath`` answers whether a node carries
``compute-instanceha-role=true`` (exit 0) or not (105, as pacemaker does),
and ``logger`` records its arguments; the live tests use the real ones.
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from .common import AGENT, COMPUTES, counters, key

ME = "ctl-0"
FENCED = "Operation reboot of compute-0 by %s for stonith_admin.1234@ctl-1: OK (ref=1f2e)"
SHIMS = {
    "crm_node": '#!/bin/sh\necho %s\n' % ME,
    "cibadmin": '#!/bin/sh\necho "$*" >> "$SHIMLOG.cib"\n'
                'case "$*" in %s) exit 0;; esac\nexit 105\n'
                % "|".join("*\"'%s'\"*" % c for c in COMPUTES),
    "logger": '#!/bin/sh\nprintf "%s\\n" "$*" >> "$SHIMLOG.syslog"\n',
}


@pytest.fixture
def alert(tmp_path):
    """Run the agent once with these CRM_alert_* values; the CompletedProcess."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in SHIMS.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)

    def run(background=False, **values):
        env = {"PATH": "%s:/usr/bin:/bin" % bin_dir, "SHIMLOG": str(tmp_path / "shim"),
               "iha_textfile": str(tmp_path / "iha.prom"),
               "CRM_alert_recipient": str(tmp_path / "events.log"),
               "CRM_alert_version": "2.1.5", "CRM_alert_timestamp": "2026-12-03T13:00:00.000001"}
        env.update({k if k.startswith("iha_") else "CRM_alert_" + k: v
                    for k, v in values.items()})
        argv = [sys.executable, AGENT]
        if background:
            return subprocess.Popen(argv, env=env)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    run.dir = tmp_path
    return run


def lines(tmp_path):
    path = tmp_path / "events.log"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def textfile(tmp_path):
    return counters((tmp_path / "iha.prom").read_text())


def test_fencing_of_a_compute_is_one_line_one_count_and_one_syslog_line(alert):
    done = alert(kind="fencing", node="compute-0", task="reboot", rc="0", desc=FENCED % ME,
                 node_sequence="7")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    [line] = lines(alert.dir)
    assert line == {
        "source": "tripleo-instanceha", "kind": "fencing", "target": "compute-0",
        "action": "reboot", "rc": "0", "result": "ok", "executioner": ME, "origin": "ctl-1",
        "recorder": ME, "controller": ME, "sequence": "7", "desc": FENCED % ME,
        "timestamp": "2026-12-03T13:00:00.000001", "pacemaker": "2.1.5"}
    assert textfile(alert.dir) == {
        key("tripleo_instanceha_fencing_total", target="compute-0", action="reboot",
            result="ok"): 1.0}
    syslog = (alert.dir / "shim.syslog").read_text().splitlines()
    assert len(syslog) == 1 and syslog[0].startswith("-t tripleo-instanceha -p daemon.notice -- {")
    assert json.loads(syslog[0].split(" -- ", 1)[1]) == line


def test_fencing_executed_elsewhere_is_left_to_that_controller(alert):
    done = alert(kind="fencing", node="compute-0", task="reboot", rc="0", desc=FENCED % "ctl-2")
    assert done.returncode == 0 and lines(alert.dir) == []
    assert not (alert.dir / "iha.prom").exists()


@pytest.mark.parametrize("nobody", ["<no-one>", "the cluster"])
def test_fencing_no_device_executed_is_recorded_by_the_requesting_node(alert, nobody):
    """2.0.5 writes ``<no-one>``, 2.1.5 ``the cluster`` when no device ran the operation."""
    desc = ("Operation off of compute-1 by %s for pacemaker-controld.1@%s: "
            "No such device (ref=9)")
    assert alert(kind="fencing", node="compute-1", task="off", rc="-19",
                 desc=desc % (nobody, "ctl-1")).returncode == 0
    assert lines(alert.dir) == []
    assert alert(kind="fencing", node="compute-1", task="off", rc="-19",
                 desc=desc % (nobody, ME)).returncode == 0
    [line] = lines(alert.dir)
    assert line["result"] == "failed" and line["recorder"] == ME and line["origin"] == ME


def test_events_of_other_objects_are_ignored(alert):
    for values in (
            dict(kind="fencing", node="overcloud-controller-1", task="reboot", rc="0",
                 desc="Operation reboot of overcloud-controller-1 by ctl-0 for a@ctl-0: OK"),
            dict(kind="resource", rsc="galera-bundle-0", task="start", rc="0", target_rc="0",
                 status="0", node=ME, interval="0"),
            dict(kind="node", node="ctl-1", nodeid="2", desc="lost"),
            dict(kind="attribute", node="compute-0", attribute_name="evacuate",
                 attribute_value="yes"),
            dict(kind="resource", rsc="x' or '1'='1", task="start", rc="0", target_rc="0",
                 status="0", node=ME)):
        done = alert(**values)
        assert done.returncode == 0 and done.stderr == ""
    assert lines(alert.dir) == [] and not (alert.dir / "iha.prom").exists()
    # a name that cannot be a node name never reaches the XPath
    assert "1'='1" not in (alert.dir / "shim.cib").read_text()


def test_resource_and_node_events(alert):
    base = dict(kind="resource", target_rc="0", status="0", node=ME, interval="0")
    alert(rsc="nova-evacuate-iha", task="start", rc="0", **base)
    alert(rsc="compute-unfence-trigger:1", task="monitor", interval="10000", rc="7",
          **{k: v for k, v in base.items() if k != "interval"})
    alert(rsc="compute-0", task="start", rc="1", **dict(base, status="2"))
    alert(rsc="nova-evacuate", task="monitor", rc="7", **dict(base, target_rc="7"))
    alert(kind="node", node="compute-1", nodeid="compute-1", desc="lost")
    got = lines(alert.dir)
    assert [(x["kind"], x.get("resource") or x.get("node"), x.get("task") or x.get("event"),
             x.get("result")) for x in got] == [
        ("resource", "nova-evacuate-iha", "start", "ok"),
        ("resource", "compute-unfence-trigger", "monitor", "failed"),
        ("resource", "compute-0", "start", "timeout"),
        ("resource", "nova-evacuate", "probe", "ok"),
        ("node", "compute-1", "lost", None)]
    assert got[2]["remote_connection"] is True and got[0]["remote_connection"] is False
    assert textfile(alert.dir) == {
        key("tripleo_instanceha_resource_events_total", resource="nova-evacuate-iha",
            task="start", result="ok"): 1.0,
        key("tripleo_instanceha_resource_events_total", resource="compute-unfence-trigger",
            task="monitor", result="failed"): 1.0,
        key("tripleo_instanceha_resource_events_total", resource="compute-0", task="start",
            result="timeout"): 1.0,
        key("tripleo_instanceha_resource_events_total", resource="nova-evacuate", task="probe",
            result="ok"): 1.0,
        key("tripleo_instanceha_remote_node_events_total", node="compute-1", event="lost"): 1.0}


def test_concurrent_alerts_lose_nothing_and_no_read_is_torn(alert):
    """Pacemaker starts the alerts of a burst in parallel: the lock and the rename keep
    every count, and a reader (node_exporter) never sees half a file."""
    torn, stop = [], threading.Event()
    path = alert.dir / "iha.prom"

    def reader():
        while not stop.is_set():
            try:
                text = path.read_text()
            except FileNotFoundError:
                continue
            if text.count("# TYPE") != 4 or not text.endswith("\n"):
                torn.append(text)
            counters(text)

    thread = threading.Thread(target=reader)
    thread.start()
    procs = [alert(background=True, kind="resource", rsc="nova-evacuate-iha", task="monitor",
                   interval="10000", rc="0", target_rc="0", status="0", node=ME,
                   node_sequence=str(n)) for n in range(24)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 24
    stop.set()
    thread.join()
    assert torn == []
    assert textfile(alert.dir) == {key("tripleo_instanceha_resource_events_total",
                                       resource="nova-evacuate-iha", task="monitor",
                                       result="ok"): 24.0}
    # one whole line per alert, none interleaved
    assert sorted(int(x["sequence"]) for x in lines(alert.dir)) == list(range(24))
    assert [p.name for p in alert.dir.iterdir() if p.name.endswith(".tmp")] == []


class _Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.got.append((self.headers.get("Authorization"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_gets_the_json_with_the_token_from_a_0600_file(alert):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    server.got = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = alert.dir / "token"
    token.write_text("s3cret-token-7a1f\n")
    token.chmod(0o600)
    try:
        url = "http://127.0.0.1:%d/hook?x=1" % server.server_port
        done = alert(kind="fencing", node="compute-0", task="reboot", rc="0", desc=FENCED % ME,
                     iha_webhook_url=url, iha_webhook_token_file=str(token))
        assert done.returncode == 0
        [line] = lines(alert.dir)
        assert server.got == [("Bearer s3cret-token-7a1f", line)]
        # a token anyone else may read is not sent; the failure says so without it
        token.chmod(0o644)
        alert(kind="fencing", node="compute-0", task="reboot", rc="0", desc=FENCED % ME,
              iha_webhook_url=url.replace("//", "//user:pw@"),
              iha_webhook_token_file=str(token))
    finally:
        server.shutdown()
    assert len(server.got) == 1
    logged = (alert.dir / "events.log").read_text() + (alert.dir / "shim.syslog").read_text()
    assert "s3cret" not in logged and "pw@" not in logged and "/hook" not in logged
    failure = lines(alert.dir)[-1]
    assert failure["kind"] == "webhook-failure" and failure["reason"] == "PermissionError"
    assert failure["webhook"] == "http://127.0.0.1"
    assert textfile(alert.dir)[key("tripleo_instanceha_webhook_failures_total",
                                   webhook="http://127.0.0.1")] == 1.0


def test_a_dead_webhook_costs_at_most_its_timeout(alert):
    """A webhook that accepts the connection and never answers."""
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(8)
    try:
        since = time.monotonic()
        done = alert(kind="fencing", node="compute-0", task="reboot", rc="0", desc=FENCED % ME,
                     iha_webhook_url="http://127.0.0.1:%d/" % sink.getsockname()[1],
                     iha_webhook_timeout="1.5")
        took = time.monotonic() - since
    finally:
        sink.close()
    assert done.returncode == 0 and 1.5 <= took < 4, took
    event, failure = lines(alert.dir)
    assert event["kind"] == "fencing"
    assert failure["reason"] == "timed out after 1.5s" and failure["sequence"] == event["sequence"]
    assert textfile(alert.dir)[key("tripleo_instanceha_fencing_total", target="compute-0",
                                   action="reboot", result="ok")] == 1.0


def test_the_agent_runs_on_python_3_6_syntax():
    """RHEL 8's platform-python is 3.6: nothing newer in the grammar (ast's feature_version)."""
    import ast
    with open(AGENT) as f:
        ast.parse(f.read(), feature_version=(3, 6))
    assert os.access(AGENT, os.X_OK)


def test_an_at_sign_in_the_failure_reason_does_not_move_the_origin(alert):
    desc = ("Operation reboot of compute-0 by %s for pacemaker-controld.99@ctl-1: Error "
            "(fence_ipmilan: login admin@10.0.0.5: refused) (ref=5)" % ME)
    alert(kind="fencing", node="compute-0", task="reboot", rc="1", desc=desc)
    [line] = lines(alert.dir)
    assert line["origin"] == "ctl-1" and line["executioner"] == ME and line["result"] == "failed"


def test_an_unwritable_textfile_is_one_line_on_stderr_and_exit_1(alert):
    """Pacemaker logs an alert's exit code and output: say which file, no traceback."""
    missing = str(alert.dir / "no-such-folder" / "iha.prom")
    done = alert(kind="fencing", node="compute-0", task="reboot", rc="0", desc=FENCED % ME,
                 iha_textfile=missing)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "tripleo-instanceha: %s.lock: No such file or directory\n" % missing
    assert [x["target"] for x in lines(alert.dir)] == ["compute-0"]  # the line went out first
