"""The alert agent under a real pacemaker, on both cluster stacks.

The node is tests/live_cib.py's one-controller cluster. Two alerts are
installed from the project's definition (``cluster/alerts.py``) plus a
recorder that writes the environment of every alert pacemaker sends: the
recorder is the ground truth the agent's lines are judged against (same
event, same ``CRM_alert_node_sequence``). Both agents live in the node's
private /run, written from outside through /proc/PID/root. The events are
real: fence_dummy fences (and fails to fence) node names, and Dummy
resources named like ours start, fail and recover. Syslog is off here (the
host stack's /dev/log is the host's journal); tests/alerts/test_agent.py
checks the syslog line.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests import live_cib
from tripleo_instanceha.cluster import alerts

from .common import AGENT, COMPUTES, counters, key

ME = "iha-alert-0"
RUN = "/run/iha-alert"
OUT = RUN + "/out"
RECORD = """#!/bin/sh
f="$CRM_alert_recipient/$CRM_alert_node_sequence"
env | grep '^CRM_alert_' | sort > "$f.tmp" && mv "$f.tmp" "$f.env"
"""
NODES = "".join(
    '<node id="{n}" uname="{n}" type="remote"><instance_attributes id="{n}-ia">{a}'
    '</instance_attributes></node>'.format(
        n=name, a=('<nvpair id="{n}-role" name="compute-instanceha-role" value="{v}"/>'
                   .format(n=name, v=value)))
    for name, value in (("compute-0", "true"), ("compute-1", "true"), ("other-0", "false")))
RESOURCES = """<resources>
<primitive id="fence-ok" class="stonith" type="fence_dummy"><instance_attributes id="fo-ia">
<nvpair id="fo-hl" name="pcmk_host_list" value="compute-0 other-0"/>
<nvpair id="fo-sf" name="status_file" value="{run}/fence_dummy.status"/></instance_attributes>
</primitive>
<primitive id="fence-fail" class="stonith" type="fence_dummy"><instance_attributes id="ff-ia">
<nvpair id="ff-hl" name="pcmk_host_list" value="compute-1"/>
<nvpair id="ff-type" name="type" value="fail"/></instance_attributes></primitive>
<primitive id="nova-evacuate" class="ocf" provider="pacemaker" type="Dummy">
<instance_attributes id="ne-ia"><nvpair id="ne-state" name="state"
 value="{run}/nova-evacuate.state"/></instance_attributes>
<operations><op id="ne-mon" name="monitor" interval="2s" timeout="20s"/></operations></primitive>
<primitive id="other-dummy" class="ocf" provider="pacemaker" type="Dummy">
<operations><op id="od-mon" name="monitor" interval="2s" timeout="20s"/></operations></primitive>
</resources>""".format(run=RUN)


def _ok(done):
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done


class Alerts:
    """The node's recorded alerts, as seen from outside."""

    def __init__(self, node):
        self.node = node
        self.host = "/proc/%d/root%s" % (node.proc.pid, OUT)

    def truth(self):
        """{sequence: {CRM_alert_* name: value}} of every alert pacemaker sent."""
        found = {}
        for path in glob.glob(os.path.join(self.host, "truth", "*.env")):
            with open(path) as f:
                pairs = [line.partition("=")[::2] for line in f.read().splitlines()]
            found[int(os.path.basename(path)[:-4])] = dict(pairs)
        return found

    def lines(self):
        path = os.path.join(self.host, "events.log")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f.read().splitlines()]

    def textfile(self):
        with open(os.path.join(self.host, "iha.prom")) as f:
            return f.read()

    def settle(self, want, timeout=90):
        """Wait until *want(lines)* holds and no alert came for 3s; the lines."""
        since, last, count = time.monotonic(), time.monotonic(), -1
        while time.monotonic() - since < timeout:
            seen = len(self.truth())
            if seen != count:
                count, last = seen, time.monotonic()
            if want(self.lines()) and time.monotonic() - last > 3:
                return self.lines()
            time.sleep(0.3)
        pytest.fail("alerts did not settle: %s\n%s" % (self.lines(), self.node.run(
            "crm_mon -1 -r; stonith_admin --history '*'").stdout))


@pytest.fixture(scope="module")
def node(cluster_stack, tmp_path_factory):
    product = cluster_stack.product
    live = live_cib.LiveNode(str(tmp_path_factory.mktemp("alert-node")), cluster_stack.root,
                             name=ME, feature_set=product.feature_set, schema=product.schema)
    try:
        live.start()
        host = "/proc/%d/root%s" % (live.proc.pid, RUN)
        os.makedirs(os.path.join(host, "out", "truth"))
        shutil.copy(AGENT, os.path.join(host, "tripleo-instanceha-alert"))
        with open(os.path.join(host, "record"), "w") as f:
            f.write(RECORD)
        os.chmod(os.path.join(host, "record"), 0o755)
        # pacemaker runs alerts as hacluster (of the stack that runs the daemons)
        with open(os.path.join(cluster_stack.root or "/", "etc", "passwd")) as f:
            entry = next(line.split(":") for line in f if line.startswith("hacluster:"))
        for folder in ("out", "out/truth"):
            os.chown(os.path.join(host, folder), int(entry[2]), int(entry[3]))
        section = alerts.alerts_element(path=RUN + "/tripleo-instanceha-alert",
                                        textfile=OUT + "/iha.prom",
                                        log_file=OUT + "/events.log", syslog=False)
        section.append(alerts.ET.fromstring(
            '<alert id="truth" path="%s/record"><recipient id="truth-dir" value="%s/truth"/>'
            '</alert>' % (RUN, OUT)))
        with open(os.path.join(host, "alerts.xml"), "w") as f:
            f.write(alerts.to_xml(section))
        _ok(live.run("cibadmin --create -o configuration --xml-file %s/alerts.xml" % RUN))
        _ok(live.run("cibadmin --modify -o nodes --xml-text '<nodes>%s</nodes>'" % NODES))
        _ok(live.run("crm_attribute -t crm_config -n stonith-enabled -v true"))
        with open(os.path.join(host, "resources.xml"), "w") as f:
            f.write(RESOURCES)
        _ok(live.run("cibadmin --replace -o resources --xml-file %s/resources.xml" % RUN))
        yield live
    finally:
        killed = live.stop()
    assert not killed, "processes of the node outlived its stop: %s" % killed


def _ours(env):
    """The test's own statement of which alerts are Instance HA events."""
    kind = env.get("CRM_alert_kind")
    if kind in ("fencing", "node"):
        return env.get("CRM_alert_node") in COMPUTES
    if kind == "resource":
        return env.get("CRM_alert_rsc") in ("nova-evacuate",) + COMPUTES
    return False


def _fields(env):
    return (env["CRM_alert_kind"], env.get("CRM_alert_node", ""), env.get("CRM_alert_rsc", ""),
            env.get("CRM_alert_desc", ""), env.get("CRM_alert_rc", ""),
            env.get("CRM_alert_interval", ""))


def _line_fields(line):
    node = line.get("target") or line.get("on_node") or line.get("node")
    return (line["kind"], node, line.get("instance", ""), line["desc"], line.get("rc", ""),
            line.get("interval_ms", ""))


def test_real_events_give_one_line_each_and_counters(node):
    seen = Alerts(node)

    def started(lines):
        return any(x.get("task") == "start" and x["result"] == "ok" for x in lines)

    seen.settle(started)
    _ok(node.run("stonith_admin --reboot compute-0 --timeout 60"))
    _ok(node.run("stonith_admin --reboot other-0 --timeout 60"))
    failed = node.run("stonith_admin --reboot compute-1 --timeout 10")
    assert failed.returncode != 0, failed.stdout
    _ok(node.run("rm %s/nova-evacuate.state" % RUN))  # the next monitor finds it stopped

    def recovered(lines):
        tasks = [(x.get("task"), x["result"]) for x in lines if x["kind"] == "resource"]
        return ("monitor", "failed") in tasks and tasks.count(("start", "ok")) >= 2 and len(
            [x for x in lines if x["kind"] == "fencing"]) >= 2

    lines = seen.settle(recovered)
    truth = seen.truth()
    # every alert pacemaker sent for an Instance HA object is exactly one line; nothing else is
    # (each alert has a sequence number of its own, so the event is matched by its fields)
    expected = sorted(_fields(env) for env in truth.values() if _ours(env))
    assert sorted(_line_fields(x) for x in lines) == expected, (lines, truth)
    assert len(set(x["sequence"] for x in lines)) == len(lines)
    assert all(x["controller"] == ME for x in lines)
    fencing = [x for x in lines if x["kind"] == "fencing"]
    assert [(x["target"], x["action"], x["result"], x["recorder"]) for x in fencing] == [
        ("compute-0", "reboot", "ok", ME), ("compute-1", "reboot", "failed", ME)]
    assert fencing[0]["executioner"] == ME
    # the other node's fencing and the other resource reached the agent and were ignored
    assert any(e.get("CRM_alert_node") == "other-0" for e in truth.values())
    assert any(e.get("CRM_alert_rsc") == "other-dummy" for e in truth.values())

    got = counters(seen.textfile())
    tally = {}
    for x in lines:
        if x["kind"] == "fencing":
            k = key("tripleo_instanceha_fencing_total", target=x["target"], action=x["action"],
                    result=x["result"])
        else:
            k = key("tripleo_instanceha_resource_events_total", resource=x["resource"],
                    task=x["task"], result=x["result"])
        tally[k] = tally.get(k, 0) + 1.0
    assert got == tally
    assert got[key("tripleo_instanceha_fencing_total", target="compute-0", action="reboot",
                   result="ok")] == 1.0
    assert got[key("tripleo_instanceha_resource_events_total", resource="nova-evacuate",
                   task="monitor", result="failed")] == 1.0
    print("SAMPLE-LINES", json.dumps(lines[:1] + fencing + [x for x in lines if x.get(
        "result") == "failed" and x["kind"] == "resource"], sort_keys=True))
    print("SAMPLE-TEXTFILE\n" + seen.textfile())


def test_the_webhook_gets_each_line_from_inside_the_cluster(node, tmp_path):
    """A local HTTP server in the node's network namespace; the URL set in the live CIB."""
    got = tmp_path / "posts"
    server = subprocess.Popen(
        ["ip", "netns", "exec", node.netns, sys.executable, "-c", HOOK, str(got)],
        stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        url = "http://127.0.0.1:%d/events" % port
        params = alerts.ALERT_ID + "-params"
        _ok(node.run("cibadmin --modify -o alerts --xml-text '<instance_attributes id=\"%s\">"
                     "<nvpair id=\"%s-iha_webhook_url\" name=\"iha_webhook_url\" "
                     "value=\"%s\"/></instance_attributes>'" % (params, params, url)))
        seen = Alerts(node)
        before = len(seen.lines())
        _ok(node.run("stonith_admin --reboot compute-0 --timeout 60"))
        lines = seen.settle(lambda lines: any(x["kind"] == "fencing" for x in lines[before:]))
        new = [x for x in lines[before:] if x["kind"] == "fencing"]
        deadline = time.monotonic() + 10
        while not got.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        posts = [json.loads(x) for x in got.read_text().splitlines()]
        assert posts == new
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_remote_connection_that_fails(node):
    """compute-0's connection resource, to a port nobody listens on: pacemaker fails its
    start, reports the remote node lost and fences it (fencing asked by the cluster)."""
    seen = Alerts(node)
    before = len(seen.lines())
    _ok(node.run(
        "cibadmin --create -o resources --xml-text '<primitive id=\"compute-0\" class=\"ocf\" "
        "provider=\"pacemaker\" type=\"remote\"><instance_attributes id=\"c0-ia\">"
        "<nvpair id=\"c0-server\" name=\"server\" value=\"127.0.0.1\"/>"
        "<nvpair id=\"c0-port\" name=\"port\" value=\"3999\"/></instance_attributes>"
        "<operations><op id=\"c0-start\" name=\"start\" interval=\"0\" timeout=\"15s\"/>"
        "</operations></primitive>'"))

    def failed(lines):
        return any(x.get("resource") == "compute-0" and x["task"] == "start"
                   and x["result"] != "ok" for x in lines[before:])

    everything = seen.settle(failed, timeout=120)
    truth = seen.truth()
    # the webhook of the test before is gone: each event is still logged, then its failure
    lines = [x for x in everything if x["kind"] != "webhook-failure"]
    failures = [x for x in everything[before:] if x["kind"] == "webhook-failure"]
    assert len(failures) == len(lines) - before and all(
        x["reason"] == "URLError" and x["webhook"] == "http://127.0.0.1" for x in failures)
    assert sorted(_line_fields(x) for x in lines) == sorted(
        _fields(env) for env in truth.values() if _ours(env)), (lines[before:], truth)
    start = next(x for x in lines[before:] if x.get("resource") == "compute-0")
    assert start["remote_connection"] is True and start["on_node"] == ME, start
    for fencing in (x for x in lines[before:] if x["kind"] == "fencing"):
        assert fencing["target"] == "compute-0" and fencing["recorder"] == ME, fencing
    new = lines[before:]
    assert [(x["node"], x["event"]) for x in new if x["kind"] == "node"] == [("compute-0", "lost")]
    [fenced] = [x for x in new if x["kind"] == "fencing"]
    assert "for pacemaker-controld." in fenced["desc"] and fenced["result"] == "ok"
    got = counters(seen.textfile())
    assert got[key("tripleo_instanceha_remote_node_events_total", node="compute-0",
                   event="lost")] == 1.0
    assert got[key("tripleo_instanceha_fencing_total", target="compute-0", action="reboot",
                   result="ok")] == 3.0  # stonith_admin twice, then the cluster
    print("SAMPLE-REMOTE", json.dumps(lines[before:], sort_keys=True))


def test_the_disable_path_finds_ours_and_leaves_the_rest(node):
    cib = _ok(node.run("cibadmin --query")).stdout
    assert alerts.ours(cib) == [alerts.ALERT_ID]
    for alert_id in alerts.ours(cib):
        _ok(node.run("cibadmin --delete -o alerts --xml-text '<alert id=\"%s\"/>'" % alert_id))
    cib = _ok(node.run("cibadmin --query")).stdout
    assert alerts.ours(cib) == [] and 'id="truth"' in cib


HOOK = r"""
import http.server, sys
out = sys.argv[1]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(204)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
print(server.server_port, flush=True)
server.serve_forever()
"""
