"""The cluster model of the bundled example, judged by crm_verify and the CIB's own structure."""
import subprocess
import xml.etree.ElementTree as ET

from tripleo_instanceha.cluster.model import FENCE_NOVA, ClusterModel

CONTROLLERS = ["overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2"]
COMPUTES = ["overcloud-novacomputeiha-0", "overcloud-novacomputeiha-1"]


def test_example_model_names_and_crm_verify(example_plan, tmp_path):
    cluster = ClusterModel.from_plan(example_plan, addresses={COMPUTES[0]: "192.0.2.120"},
                                     keystone_url="http://192.0.2.5:5000")
    assert cluster.controllers == CONTROLLERS
    assert cluster.computes == COMPUTES
    path = tmp_path / "cib.xml"
    path.write_text(cluster.to_xml())
    run = subprocess.run(["crm_verify", "-x", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    cib = ET.parse(path).getroot()
    assert cib.get("have-quorum") == "1"
    conf = cib.find("configuration")
    remote = conf.find("resources/primitive[@id='%s']" % COMPUTES[0])
    assert remote.get("type") == "remote"
    assert remote.find("instance_attributes/nvpair[@name='server']").get("value") == "192.0.2.120"
    assert remote.find("operations/op[@name='monitor']").get("interval") == "5s"
    nova = conf.find(f"resources/primitive[@id='{FENCE_NOVA}']")
    hosts = nova.find("instance_attributes/nvpair[@name='pcmk_host_list']").get("value")
    assert hosts.split(",") == COMPUTES
    assert nova.find("meta_attributes/nvpair[@name='provides']").get("value") == "unfencing"
    levels = {(lv.get("target"), lv.get("index")): lv.get("devices").split(",")
              for lv in conf.iter("fencing-level")}
    assert levels[(COMPUTES[1], "1")] == ["stonith-fence_redfish-525400b00021", FENCE_NOVA]
    assert levels[(CONTROLLERS[0], "1")] == ["stonith-fence_ipmilan-525400a00010"]
    clone = conf.find("resources/clone[@id='compute-unfence-trigger-clone']/primitive")
    assert clone.find("meta_attributes/nvpair[@name='requires']").get("value") == "unfencing"
    expr = conf.find("constraints/rsc_location[@rsc='nova-evacuate']/rule/expression")
    assert (expr.get("attribute"), expr.get("operation"), expr.get("value")) == (
        "compute-instanceha-role", "eq", "true")
    # the plain compute is not a cluster node at all
    assert "overcloud-novacompute-0" not in cluster.nodes


def test_devices_puppet_would_drop_are_noted(tmp_path):
    from tripleo_instanceha.plan import Plan

    from .conftest import NODES, PARAMS, ROLES
    env = tmp_path / "fencing.yaml"
    env.write_text(
        "parameter_defaults:\n  EnableFencing: true\n  FencingConfig:\n    devices:\n"
        "      - {agent: fence_ipmilan, params: {ipaddr: 192.0.2.10}}\n"
        "      - {agent: fence_ipmilan, host_mac: '52:54:00:ff:ff:ff', params: {ipaddr: x}}\n"
        "      - {agent: fence_ipmilan, host_mac: '52:54:00:c0:00:30', params: {ipaddr: y}}\n"
        "      - {agent: fence_xvm, host_mac: '52:54:00:b0:00:20', params: {port: c}}\n")
    plan = Plan.load(roles_file=ROLES, env_files=[PARAMS, str(env)], nodes_file=NODES)
    cluster = ClusterModel.from_plan(plan)
    notes = "\n".join(cluster.notes)
    assert "device #0 (fence_ipmilan, level 1) has no host_mac" in notes
    assert "52:54:00:ff:ff:ff is not a MAC of any cluster node" in notes
    # the plain compute is no cluster node: its device is never created
    assert "52:54:00:c0:00:30 is not a MAC of any cluster node" in notes
    assert "fence_xvm device (52:54:00:b0:00:20) is not created" in notes
    assert not cluster.stonith or all(p.type == "fence_compute" for p in cluster.stonith)


def test_fence_nova_authenticates_with_the_user_as_project(tmp_path):
    """puppet-tripleo: fence-nova tenant_name => $keystone_admin; nova-evacuate gets the project."""
    from .conftest import load_plan
    env = tmp_path / "identity.yaml"
    env.write_text("parameter_defaults:\n  InstanceHAKeystoneUser: nova\n"
                   "  InstanceHAKeystoneProject: service\n"
                   "  InstanceHAKeystonePassword: nova-password\n")
    cluster = ClusterModel.from_plan(load_plan(tmp_path, extra=[str(env)]))
    nova = cluster.primitive(FENCE_NOVA).params
    assert (nova["login"], nova["tenant_name"]) == ("nova", "nova")
    evacuate = cluster.primitive("nova-evacuate").params
    assert (evacuate["username"], evacuate["tenant_name"]) == ("nova", "service")


def _plan(tmp_path, text):
    from .conftest import load_plan
    env = tmp_path / "extra.yaml"
    env.write_text("parameter_defaults:\n" + text)
    return load_plan(tmp_path, extra=[str(env)])


def test_every_device_avoids_the_nodes_it_fences(example_plan):
    """puppet-pacemaker's pcmk_stonith: ``avoids <pcmk_host_list>=10000`` with >1 member."""
    cluster = ClusterModel.from_plan(example_plan)
    root = ET.fromstring(cluster.to_xml())
    avoids = {(c.get("rsc"), c.get("node"), c.get("score"), c.get("id"))
              for c in root.iter("rsc_location") if c.get("node")}
    node_devices = [p for p in cluster.stonith if p.owner]
    assert len(node_devices) == len(CONTROLLERS + COMPUTES)
    for device in node_devices:
        assert (device.id, device.owner, "-10000",
                f"location-{device.id}-{device.owner}--10000") in avoids
    # fence-nova: the comma-joined host list is one node name to pcs, matching no node
    joined = ",".join(COMPUTES)
    nova_id = f"location-{FENCE_NOVA}-{''.join(COMPUTES)}--10000"
    assert (FENCE_NOVA, joined, "-10000", nova_id) in avoids
    assert len(avoids) == len(node_devices) + 1
    assert any("restricts nothing" in a for a in cluster.summary()["approximations"])
    assert subprocess.run(["crm_verify", "-x", "-"], input=cluster.to_xml(), text=True,
                          capture_output=True).returncode == 0


def test_one_controller_gets_no_avoid_constraint(tmp_path):
    cluster = ClusterModel.from_plan(_plan(tmp_path, "  ControllerCount: 1\n"))
    assert cluster.controllers == CONTROLLERS[:1] and cluster.avoids == []
    root = ET.fromstring(cluster.to_xml())
    # only rules: the unfence clone's, nova-evacuate's, ours and the one holding nova-evacuate
    assert [c.get("node") for c in root.iter("rsc_location")] == [None] * 4


def test_subset_keeps_the_avoids_of_kept_devices(example_plan):
    cluster = ClusterModel.from_plan(example_plan).subset([COMPUTES[0]])
    assert {a.node for a in cluster.avoids} == set(CONTROLLERS) | {COMPUTES[0]}


def test_auth_url_follows_the_public_tls_endpoint_map(tmp_path):
    """tls-endpoints-public-dns.yaml's KeystonePublic: https, 13000, CLOUDNAME."""
    cluster = ClusterModel.from_plan(_plan(tmp_path, (
        "  CloudName: overcloud.example.com\n"
        "  EndpointMap:\n"
        "    KeystonePublic: {protocol: 'https', port: '13000', host: 'CLOUDNAME'}\n")))
    url = "https://overcloud.example.com:13000"
    assert cluster.primitive(FENCE_NOVA).params["auth_url"] == url
    assert cluster.primitive("nova-evacuate").params["auth_url"] == url
    assert not [a for a in cluster.summary()["approximations"] if a.startswith("auth_url")]


def test_auth_url_by_ip_and_by_default_say_what_they_assume(tmp_path):
    by_ip = ClusterModel.from_plan(_plan(tmp_path, (
        "  CloudName: overcloud.example.com\n"
        "  EndpointMap:\n"
        "    KeystonePublic: {protocol: 'https', port: '13000', host: 'IP_ADDRESS'}\n")))
    assert by_ip.primitive(FENCE_NOVA).params["auth_url"] == "https://overcloud.example.com:13000"
    assert any("public VIP" in a for a in by_ip.summary()["approximations"])
    (tmp_path / "plain").mkdir()
    plain = ClusterModel.from_plan(_plan(tmp_path / "plain", "  CloudName: oc.example.com\n"))
    assert plain.primitive(FENCE_NOVA).params["auth_url"] == "http://oc.example.com:5000"
    assert any("non-TLS default" in a for a in plain.summary()["approximations"])


def test_the_lifecycle_tasks_objects_are_in_the_model(tmp_path):
    """What external deploy step 5 creates: ours with nova-evacuate's parameters, held apart."""
    cluster = ClusterModel.from_plan(_plan(tmp_path, ""))
    conf = ET.fromstring(cluster.to_xml()).find("configuration")
    ours = conf.find("resources/primitive[@id='nova-evacuate-iha']")
    assert (ours.get("class"), ours.get("provider"), ours.get("type")) == (
        "ocf", "tripleo-instanceha", "NovaEvacuate")
    stock = {nv.get("name"): nv.get("value") for nv in conf.find(
        "resources/primitive[@id='nova-evacuate']/instance_attributes")}
    params = {nv.get("name"): nv.get("value") for nv in ours.find("instance_attributes")}
    assert params == dict(stock, poll_interval="2", storm_threshold="0", storm_window="300",
                          max_per_pass="0")
    off = conf.find("constraints/rsc_location[@id='tripleo-instanceha-stock-evacuate-off']")
    assert off.get("rsc") == "nova-evacuate"
    assert off.find("rule").get("score") == "-INFINITY"
    assert off.find("rule/expression").attrib == {
        "id": "tripleo-instanceha-stock-evacuate-off-rule-expr", "attribute": "#uname",
        "operation": "defined"}
    order = conf.find("constraints/rsc_order")
    assert order.attrib == {"id": "tripleo-instanceha-stock-evacuate-first",
                            "first": "nova-evacuate", "first-action": "stop",
                            "then": "nova-evacuate-iha", "then-action": "start",
                            "kind": "Mandatory", "symmetrical": "false"}
    # puppet greps for this string to find its own rule: ours must not contain it
    ids = [c.get("id") for c in conf.find("constraints")]
    assert [i for i in ids if "location-nova-evacuate" in i] == ["location-nova-evacuate"]
    assert cluster.evacuator == "nova-evacuate-iha"
    assert cluster.held_stopped == ["nova-evacuate"]
    before = ClusterModel.from_plan(_plan(tmp_path, ""), lifecycle=False)
    assert before.primitive("nova-evacuate-iha") is None and before.orders == []
    assert before.evacuator == "nova-evacuate" and before.held_stopped == []


def _scheduled_monitor_timeouts(cluster, tmp_path, name):
    """Connection -> the timeout (ms) pacemaker's scheduler gives its recurring monitor."""
    from tripleo_instanceha.cluster.simulate import Simulator
    path = tmp_path / f"{name}.xml"
    path.write_text(cluster.to_xml())
    start = Simulator(str(tmp_path / name)).simulate(str(path), "up", online=cluster.controllers)
    return {rsc: int(op.attrs["CRM_meta_timeout"])
            for rsc in cluster.computes
            for op in start.graph.ops(rsc, "monitor") if op.interval_ms}


def test_remote_monitor_timeout_is_set_by_the_lifecycle_tasks_only(example_plan, tmp_path):
    """puppet-tripleo gives the connection's monitor an interval only; the scheduler then
    uses pacemaker's default op timeout (20 s), not ocf:pacemaker:remote's 30 s. The
    lifecycle tasks set InstanceHARemoteMonitorTimeout (default 15 s) at step 5."""
    from tripleo_instanceha.cluster.model import PACEMAKER_DEFAULT_OP_TIMEOUT

    deployed = ClusterModel.from_plan(example_plan)
    puppet_only = ClusterModel.from_plan(example_plan, lifecycle=False)
    for name in COMPUTES:
        assert deployed.primitive(name).op("monitor").timeout == 15
        assert deployed.remote_monitor_timeout(name) == 15
        assert puppet_only.primitive(name).op("monitor").timeout is None
        assert puppet_only.remote_monitor_timeout(name) == PACEMAKER_DEFAULT_OP_TIMEOUT == 20
    op = ET.fromstring(deployed.to_xml()).find(
        f"configuration/resources/primitive[@id='{COMPUTES[0]}']/operations/op")
    assert (op.get("interval"), op.get("timeout")) == ("5s", "15s")
    assert _scheduled_monitor_timeouts(deployed, tmp_path, "deployed") == {
        name: 15000 for name in COMPUTES}
    assert _scheduled_monitor_timeouts(puppet_only, tmp_path, "puppet") == {
        name: 20000 for name in COMPUTES}
