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
    assert remote.find("operations/op[@name='monitor']").get("interval") == "10s"
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
