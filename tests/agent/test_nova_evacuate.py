"""ocf:tripleo-instanceha:NovaEvacuate against a real attrd, on both cluster stacks.

Why a live node: the agent's whole contract is with pacemaker-attrd (which
node attributes a query returns, what an update does), and the two stacks
differ there (pacemaker 2.1.5's ``attrd_updater -A`` answers for the local
node only inside a resource agent). The agent runs inside the node's
namespaces with the environment pacemaker-execd gives an agent (OCF_ROOT,
OCF_RESKEY_*, OCF_RESKEY_CRM_meta_on_node, HA_RSCTMP); fence_evacuate is the
recording stand-in next to this file, so Nova is not involved.

Every file the agent and the stand-in need is written from outside into the
node's private /run (through /proc/PID/root), so the password never appears
on any command line, the test's own included.

Upstream references: openstack-archive/openstack-resource-agents
``ocf/NovaEvacuate`` (commit 076ae605, "ORA" below) and
beekhof/openstack-resource-agents ``ocf/NovaEvacuate`` (commit 121ec00c,
"BRA"), the version that prefers fence_evacuate.
"""
import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

# the live node fixture ("node") comes from tests/agent/conftest.py
from tests.agent.harness import AGENT, COMPUTE, LOCAL, PARAMS, PASSWORD, STAND_IN, Agent


@pytest.fixture
def agent(node):
    """The agent installed afresh, with no evacuate attribute left by an earlier test."""
    installed = Agent(node)
    for host in (COMPUTE, LOCAL):
        node.run("attrd_updater -n evacuate -D -N %s" % host)
    installed.install()
    yield installed
    installed.action("stop")
    assert installed.worker_pids() == [], "the worker outlived stop"


def test_meta_data_is_ocf_xml_and_validate_refuses_what_upstream_refuses(tmp_path):
    """ORA meta_data() (l. 40-140) and evacuate_validate() (l. 263-): same parameters and actions.

    The meta-data is parsed as XML and checked for the OCF resource-agent
    shape; validate-all exits OCF_ERR_CONFIGURED (6) for a missing required
    parameter and an endpoint_type outside adminURL/publicURL/internalURL, as
    upstream's evacuate_validate does.
    """
    env = {"PATH": os.environ["PATH"], "OCF_ROOT": "/usr/lib/ocf"}
    out = subprocess.run([AGENT, "meta-data"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    meta = ET.fromstring(out.stdout)
    assert meta.tag == "resource-agent" and meta.get("name") == "NovaEvacuate"
    assert meta.find("shortdesc").text and meta.find("longdesc").text
    params = {p.get("name"): p for p in meta.find("parameters")}
    upstream = {"auth_url", "username", "password", "tenant_name", "user_domain",
                "project_domain", "region_name", "endpoint_type", "domain", "compute_domain",
                "insecure", "no_shared_storage", "evacuate_delay", "verbose"}
    assert upstream <= set(params), upstream - set(params)
    assert {n for n, p in params.items() if p.get("required") == "1"} == {
        "auth_url", "username", "password", "tenant_name"}
    for name, param in params.items():
        assert param.find("content").get("type") in ("string", "boolean", "integer"), name
    actions = {a.get("name"): a for a in meta.find("actions")}
    assert set(actions) == {"start", "stop", "monitor", "validate-all", "meta-data"}
    assert actions["monitor"].get("interval")

    stand_in_dir = tmp_path / "bin"
    stand_in_dir.mkdir()
    shutil.copy(STAND_IN, stand_in_dir / "fence_evacuate")
    good = dict(env, PATH="%s:%s" % (stand_in_dir, env["PATH"]), HA_RSCTMP=str(tmp_path),
                **{"OCF_RESKEY_" + k: v for k, v in PARAMS.items()})
    assert subprocess.run([AGENT, "validate-all"], env=good).returncode == 0
    for broken in ({"OCF_RESKEY_password": ""}, {"OCF_RESKEY_endpoint_type": "privateURL"},
                   {"OCF_RESKEY_evacuate_delay": "soon"}):
        run = subprocess.run([AGENT, "validate-all"], env=dict(good, **broken),
                             capture_output=True, text=True)
        assert run.returncode == 6, (broken, run.returncode, run.stderr)


def test_query_all_inside_an_agent_sees_only_the_local_node_on_2_1_5(node, cluster_stack):
    """ORA evacuate_monitor() (l. 254): ``attrd_updater -n evacuate -A`` as run by the cluster.

    Pacemaker sets OCF_RESKEY_CRM_meta_on_node for every agent action. On
    2.1.5 pcmk__attrd_api_query() resolves the NULL node of a query-all to
    that variable (ClusterLabs/pacemaker PR #3027 fixed it after 2.1.5), so
    the stock agent never sees a compute's evacuate=yes; 2.0.5 answers for all
    nodes. Unsetting the variable, as our agent does, gives all nodes on both.
    """
    agent = Agent(node)
    agent.set(COMPUTE, "yes")
    agent.set(LOCAL, "no")
    time.sleep(1)
    as_agent = node.run("OCF_RESKEY_CRM_meta_on_node=%s attrd_updater -n evacuate -A" % LOCAL)
    hosts = sorted(line.split('host="')[1].split('"')[0] for line in as_agent.stdout.splitlines())
    if cluster_stack.pacemaker == "2.1.5":
        assert hosts == [LOCAL], as_agent.stdout
    else:
        assert hosts == [COMPUTE, LOCAL], as_agent.stdout
    unset = node.run("OCF_RESKEY_CRM_meta_on_node=%s env -u OCF_RESKEY_CRM_meta_on_node "
                     "attrd_updater -n evacuate -A" % LOCAL)
    assert sorted(line.split('host="')[1].split('"')[0]
                  for line in unset.stdout.splitlines()) == [COMPUTE, LOCAL], unset.stdout
    for host in (COMPUTE, LOCAL):
        node.run("attrd_updater -n evacuate -D -N %s" % host)


def test_yes_is_evacuated_with_options_on_stdin_and_set_to_no(agent):
    """ORA handle_evacuations() (l. 179-246), BRA's: yes -> status, in-flight mark, off, no.

    The agent runs with OCF_RESKEY_CRM_meta_on_node set, as under the
    cluster, and still sees the compute's attribute. fence_evacuate gets its
    options on stdin (upstream passes them, the password included, as argv:
    ORA evacuate_validate() l. 297 ``-p ${OCF_RESKEY_password}``); the
    stand-in finds no process whose command line holds the password.
    """
    assert agent.action("start").returncode == 0
    assert agent.action("monitor").returncode == 0
    agent.set(COMPUTE, "yes")
    agent.wait_value(COMPUTE, "no")
    calls = agent.calls()
    assert [(c["options"]["action"], c["options"].get("plug")) for c in calls] == [
        ("status", COMPUTE), ("off", COMPUTE)], calls
    off = calls[1]
    assert off["options"]["passwd"] == PASSWORD
    assert off["options"]["login"] == "admin" and off["options"]["tenant_name"] == "admin"
    assert off["options"]["auth_url"] == PARAMS["auth_url"]
    assert off["options"]["no_shared_storage"] == "1"
    assert off["options"]["user-domain"] == "Default"
    assert off["options"]["region_name"] == "regionOne"
    for call in calls:
        assert call["argc"] == "0", call
        assert PASSWORD not in call["argv"] and PASSWORD not in call["parent"], call
        assert call["leak"] == [], call
        assert "NovaEvacuate worker" in call["parent"], call
    # the local node's own attribute (absent) and "no" values start nothing
    time.sleep(2.5)
    assert len(agent.calls()) == 2


def test_failed_evacuation_goes_back_to_yes_and_is_retried(agent):
    """ORA handle_evacuations() l. 235-241: a failed off sets yes again, retried next pass."""
    agent.fail("off", 1)
    assert agent.action("start").returncode == 0
    agent.set(COMPUTE, "yes")
    calls = agent.wait_calls(4)
    assert [c["options"]["action"] for c in calls[:4]] == ["status", "off", "status", "off"]
    os.remove(os.path.join(agent.host_run, "rc.off"))
    agent.wait_value(COMPUTE, "no")


def test_host_nova_does_not_know_is_left_as_it_is(agent):
    """BRA handle_evacuations(): ``-o status`` exit 1 -> not marked, not evacuated, stays yes.

    ORA l. 221-225 does the same with ``-o list`` ("perhaps nova is unavailable right now").
    """
    agent.fail("status", 1)
    assert agent.action("start").returncode == 0
    agent.set(COMPUTE, "yes")
    agent.wait_calls(2)
    assert {c["options"]["action"] for c in agent.calls()} == {"status"}
    assert agent.value(COMPUTE) == "yes"


def test_in_flight_mark_is_left_alone_until_it_is_60s_old(agent):
    """ORA handle_evacuations() l. 194-207: "<node>@<epoch>" younger than 60 s is deferred.

    An older mark (its owner died mid-evacuation) is evacuated again. Also
    evacuate_delay: the off call comes no sooner than the delay after the
    pass that saw the host (ClusterLabs resource-agents heartbeat/NovaEvacuate
    sleeps evacuate_delay before evacuating; puppet-tripleo's instance_ha.pp
    sets it from tripleo::instanceha::evacuate_delay).
    """
    agent.install(evacuate_delay="3")
    assert agent.action("start").returncode == 0
    now = int(time.time())
    agent.set(COMPUTE, "controller-1@%d" % (now - 10))
    time.sleep(3)
    assert agent.calls() == []
    assert agent.value(COMPUTE) == "controller-1@%d" % (now - 10)
    marked = time.time()
    agent.set(COMPUTE, "controller-1@%d" % (now - 100))
    agent.wait_value(COMPUTE, "no")
    calls = agent.calls()
    assert [c["options"]["action"] for c in calls] == ["status", "off"], calls
    assert float(calls[0]["at"]) - marked >= 3, (calls[0]["at"], marked)


def test_start_monitor_stop_follow_the_worker(agent):
    """ORA evacuate_start()/evacuate_stop() (l. 159-168), evacuate_monitor() (l. 248-251).

    start succeeds and is idempotent, monitor is OCF_SUCCESS while the
    worker polls and OCF_ERR_GENERIC once it died, stop ends it, and monitor
    after stop is OCF_NOT_RUNNING (7). A stop reached while an evacuation is
    under way waits for it to finish instead of cutting it short (upstream
    ignores SIGTERM, l. 144-149, for the same reason).
    """
    assert agent.action("monitor").returncode == 7
    assert agent.action("start").returncode == 0
    assert agent.action("start").returncode == 0
    pids = agent.worker_pids()
    assert len(pids) == 1, pids
    assert agent.action("monitor").returncode == 0
    os.kill(pids[0], 9)
    time.sleep(0.5)
    assert agent.action("monitor").returncode == 1
    assert agent.action("stop").returncode == 0
    assert agent.action("monitor").returncode == 7
    # a slow evacuation: stop waits for it, the attribute ends "no", not half-done
    slow = os.path.join(agent.host_run, "bin", "fence_evacuate")
    with open(slow) as f:
        body = f.read()
    with open(slow, "w") as f:
        f.write(body.replace('exit "$rc"', '[ "$action" = off ] && sleep 4\nexit "$rc"'))
    assert agent.action("start").returncode == 0
    agent.set(COMPUTE, "yes")
    agent.wait_calls(2)
    since = time.monotonic()
    assert agent.action("stop").returncode == 0
    assert agent.value(COMPUTE) == "no"
    assert time.monotonic() - since >= 2
    assert agent.worker_pids() == []


def test_under_pacemaker_the_cluster_started_worker_evacuates(agent, node):
    """ORA evacuate_monitor() l. 248-261 as the cluster runs it: pacemaker-execd starts the agent.

    The agent is installed as ocf:tripleo-instanceha:NovaEvacuate and the
    stand-in over /usr/sbin/fence_evacuate, both only inside the node's
    private mount namespace; the primitive is created from a file, so its
    password is in the CIB and on no command line. The worker pacemaker
    started carries OCF_RESKEY_CRM_meta_on_node (the variable that hides
    other nodes from 2.1.5's query) and still evacuates the compute.
    """
    src = "/run/iha-pcmk"
    host_src = "/proc/%d/root%s" % (node.proc.pid, src)
    os.makedirs(host_src, exist_ok=True)
    shutil.copy(AGENT, os.path.join(host_src, "NovaEvacuate"))
    shutil.copy(STAND_IN, os.path.join(host_src, "fence_evacuate"))
    pairs = "".join('<nvpair id="nei-%s" name="%s" value="%s"/>' % (k, k, v)
                    for k, v in PARAMS.items())
    with open(os.path.join(host_src, "primitive.xml"), "w") as f:
        f.write('<primitive id="nova-evacuate-iha" class="ocf" provider="tripleo-instanceha" '
                'type="NovaEvacuate"><instance_attributes id="nei-ia">%s</instance_attributes>'
                '<operations><op id="nei-monitor" name="monitor" interval="5s" timeout="20s"/>'
                '</operations></primitive>' % pairs)
    d = "/usr/lib/ocf/resource.d"
    mounted = node.run(
        "set -e; mkdir -p {s}/orig; mount --bind {d} {s}/orig; mount -t tmpfs tmpfs {d}; "
        "for p in {s}/orig/*; do mkdir {d}/${{p##*/}}; mount --bind $p {d}/${{p##*/}}; done; "
        "mkdir {d}/tripleo-instanceha; cp {s}/NovaEvacuate {d}/tripleo-instanceha/; "
        "mount --bind {s}/fence_evacuate /usr/sbin/fence_evacuate".format(s=src, d=d))
    assert mounted.returncode == 0, mounted.stderr
    created = node.run("cibadmin --create -o resources --xml-file %s/primitive.xml" % src)
    assert created.returncode == 0, created.stderr
    try:
        since = time.monotonic()
        while not agent.worker_pids() and time.monotonic() - since < 60:
            time.sleep(0.5)
        pids = agent.worker_pids()
        assert len(pids) == 1, node.run("crm_mon -1 -r").stdout
        with open("/proc/%d/environ" % pids[0], "rb") as f:
            environ = f.read().split(b"\0")
        assert ("OCF_RESKEY_CRM_meta_on_node=%s" % LOCAL).encode() in environ
        agent.set(COMPUTE, "yes")
        agent.wait_value(COMPUTE, "no")
        calls = agent.calls()
        assert [c["options"]["action"] for c in calls] == ["status", "off"], calls
        for call in calls:
            assert call["argc"] == "0" and call["leak"] == [], call
            assert "NovaEvacuate worker" in call["parent"], call
    finally:
        node.run("crm_resource -r nova-evacuate-iha --meta -p target-role -v Stopped")
        since = time.monotonic()
        while agent.worker_pids() and time.monotonic() - since < 60:
            time.sleep(0.5)
        node.run("cibadmin --delete -o resources -X '<primitive id=\"nova-evacuate-iha\"/>'")
    assert agent.worker_pids() == []
