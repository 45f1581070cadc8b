"""The model's CIB is the one pcs builds from the commands puppet-tripleo runs.

Two controllers and two Instance HA computes: the fewest that make
puppet-pacemaker add its stonith avoid constraints (more than one cluster
member) and give fence-nova a host list of several nodes, at about 0.6 s per
pcs call. The pcs commands below are written from puppet-tripleo's manifests
and puppet-pacemaker's pcmk_stonith provider, independently of the model;
only node names and device parameters come from the plan.
"""
import os
import subprocess
import xml.etree.ElementTree as ET

from tripleo_instanceha.cluster.model import ClusterModel

from .conftest import load_plan

SMALL = ("parameter_defaults:\n  ControllerCount: 2\n  ComputeInstanceHACount: 2\n"
         "  ComputeCount: 0\n")
REMOTE_ADDRESSES = {"overcloud-novacomputeiha-0": "192.0.2.120",
                    "overcloud-novacomputeiha-1": "192.0.2.121"}
KEYSTONE = "http://192.0.2.5:5000"


def seconds(value):
    value = value or "0"
    for suffix, factor in (("ms", 0.001), ("min", 60), ("s", 1), ("m", 60)):
        if value.endswith(suffix):
            return float(value[:-len(suffix)]) * factor
    return float(value)


def nvpairs(element, tag):
    block = element.find(tag)
    return {} if block is None else {nv.get("name"): nv.get("value") for nv in block.iter("nvpair")}


def normalise(path):
    """What puppet-tripleo controls in a CIB, independent of ids and pcs's extra defaults."""
    conf = ET.parse(path).getroot().find("configuration")
    prims = {}
    for prim in conf.iter("primitive"):
        ops = {(op.get("name"), seconds(op.get("interval")), op.get("on-fail"),
                op.get("timeout") and seconds(op.get("timeout")))
               for op in prim.iter("op")}
        prims[prim.get("id")] = (prim.get("class"), prim.get("provider"), prim.get("type"),
                                 nvpairs(prim, "instance_attributes"),
                                 nvpairs(prim, "meta_attributes"), ops)
    clones = {c.get("id"): c.find("primitive").get("id") for c in conf.iter("clone")}
    locations, avoids = set(), set()
    for loc in conf.iter("rsc_location"):
        if loc.get("node") is not None:
            avoids.add((loc.get("id"), loc.get("rsc"), loc.get("node"), loc.get("score")))
        for rule in loc.iter("rule"):
            for expr in rule.iter("expression"):
                locations.add((loc.get("rsc"), loc.get("resource-discovery"), rule.get("score"),
                               expr.get("attribute"), expr.get("operation"), expr.get("value")))
    levels = {(lv.get("target"), lv.get("index"), lv.get("devices"))
              for lv in conf.iter("fencing-level")}
    attrs = {(n.get("uname"), k, v) for n in conf.find("nodes")
             for k, v in nvpairs(n, "instance_attributes").items()}
    defaults = nvpairs(conf.find("rsc_defaults"), "meta_attributes")
    props = {k: v for k, v in nvpairs(conf.find("crm_config"), "cluster_property_set").items()}
    orders = {(o.get("first"), o.get("first-action"), o.get("then"), o.get("then-action"),
               o.get("kind"), o.get("symmetrical")) for o in conf.iter("rsc_order")}
    return prims, clones, locations, avoids, levels, attrs, defaults, props, orders


def kv(params):
    return [f"{k}={v}" for k, v in params.items()]


def test_model_equals_pcs_built_cib(tmp_path):
    small = tmp_path / "small.yaml"
    small.write_text(SMALL)
    plan = load_plan(tmp_path, extra=[str(small)])
    model = ClusterModel.from_plan(plan, addresses=REMOTE_ADDRESSES, keystone_url=KEYSTONE)
    ours = tmp_path / "model.xml"
    ours.write_text(model.to_xml())

    ctrls, comps = list(plan.cluster_members), list(plan.iha_computes)
    assert (len(ctrls), len(comps)) == (2, 2)
    cib = str(tmp_path / "pcs.xml")
    with open(cib, "w") as handle:
        subprocess.run(["cibadmin", "--empty"], stdout=handle, check=True)
    pw = plan.param("AdminPassword", "") or "AdminPassword-not-in-plan"

    def pcs(*args):
        run = subprocess.run(["pcs", "-f", cib, *args], capture_output=True, text=True)
        assert run.returncode == 0, (args, run.stderr)

    def stonith(rid, agent, host_list, *rest):
        """puppet-pacemaker's pcmk_stonith create: disabled, the avoid constraint, enable."""
        pcs("stonith", "create", rid, agent, f"pcmk_host_list={host_list}", *rest,
            "--disabled", "--force")
        pcs("constraint", "location", rid, "avoids", f"{host_list}=10000", "--force")
        pcs("resource", "enable", rid)

    pcs("property", "set", "stonith-enabled=true", "startup-fencing=false",
        "cluster-recheck-interval=60s")
    pcs("resource", "defaults", "update", "requires=fencing")
    # tripleo::profile::base::pacemaker: the remote connections, op_params
    # "monitor interval=N" and nothing else (no timeout)
    for comp in comps:
        pcs("resource", "create", comp.name, "ocf:pacemaker:remote",
            f"server={REMOTE_ADDRESSES[comp.name]}", "reconnect_interval=60", "op", "monitor",
            "interval=5", "--force")
    # tripleo::fencing: one device per node, pcmk_host_list = the node, levels
    devices = {}
    for place in ctrls + comps:
        dev, = plan.devices_for(place)
        rid = "stonith-%s-%s" % (dev.agent, dev.mac.replace(":", ""))
        devices[place.name] = rid
        params = {k: ("true" if v is True else v) for k, v in dev.params.items()}
        stonith(rid, dev.agent, place.name, *kv(params), "op", "monitor", "interval=60s")
    # instance_ha.pp: pcmk_host_list is the comma-joined compute list
    stonith("stonith-fence_compute-fence-nova", "fence_compute",
            ",".join(c.name for c in comps),
            f"auth_url={KEYSTONE}", "login=admin", f"passwd={pw}", "tenant_name=admin",
            "project_domain=Default", "user_domain=Default", "domain=localdomain",
            "region_name=regionOne", "record_only=1",
            "meta", "provides=unfencing", "op", "monitor", "interval=60s")
    for ctrl in ctrls:
        pcs("stonith", "level", "add", "1", ctrl.name, devices[ctrl.name], "--force")
    for comp in comps:
        pcs("stonith", "level", "add", "1", comp.name, devices[comp.name],
            "stonith-fence_compute-fence-nova", "--force")
    pcs("resource", "create", "compute-unfence-trigger", "ocf:pacemaker:Dummy",
        "meta", "requires=unfencing", "op", "stop", "timeout=20", "on-fail=block", "clone")
    pcs("constraint", "location", "compute-unfence-trigger-clone", "rule",
        "resource-discovery=never", "score=-INFINITY", "compute-instanceha-role", "ne", "true")
    pcs("resource", "create", "nova-evacuate", "ocf:openstack:NovaEvacuate",
        f"auth_url={KEYSTONE}", "username=admin", f"password={pw}", "user_domain=Default",
        "project_domain=Default", "tenant_name=admin", "region_name=regionOne",
        "no_shared_storage=true", "op", "monitor", "interval=10", "timeout=600", "--force")
    pcs("constraint", "location", "nova-evacuate", "rule", "resource-discovery=never",
        "score=-INFINITY", "compute-instanceha-role", "eq", "true")
    # compute_instanceha.pp
    for comp in comps:
        pcs("node", "attribute", comp.name, "compute-instanceha-role=true")
    # the lifecycle tasks (external deploy step 5): our agent with nova-evacuate's
    # parameters plus the agent's own (poll_interval and the storm guard's), its
    # rule, and the two constraints holding nova-evacuate stopped
    # (doc/source/evacuation-agent.rst)
    pcs("resource", "create", "nova-evacuate-iha", "ocf:tripleo-instanceha:NovaEvacuate",
        f"auth_url={KEYSTONE}", "username=admin", f"password={pw}", "user_domain=Default",
        "project_domain=Default", "tenant_name=admin", "region_name=regionOne",
        "no_shared_storage=true", "poll_interval=2", "storm_threshold=0",
        "storm_window=300", "max_per_pass=0", "op", "monitor", "interval=10",
        "timeout=20", "op", "stop", "timeout=600", "--force")
    pcs("constraint", "location", "nova-evacuate-iha", "rule", "resource-discovery=never",
        "score=-INFINITY", "compute-instanceha-role", "eq", "true")
    pcs("constraint", "location", "nova-evacuate", "rule", "score=-INFINITY",
        "defined", "#uname")
    pcs("constraint", "order", "stop", "nova-evacuate", "then", "start", "nova-evacuate-iha",
        "kind=Mandatory", "symmetrical=false")
    # and InstanceHARemoteMonitorTimeout on each connection's monitor, one cibadmin
    # --modify of the op pcs created (the op's id as pcs wrote it)
    for comp in comps:
        found = subprocess.run(
            ["cibadmin", "--query", "--xpath",
             f"//primitive[@id='{comp.name}']/operations/op[@name='monitor']"],
            capture_output=True, text=True, env={"CIB_file": cib, "PATH": os.environ["PATH"]})
        op = ET.fromstring(found.stdout)
        assert op.get("timeout") is None, "pcs gave puppet's monitor a timeout"
        subprocess.run(["cibadmin", "--modify", "--scope", "resources", "--xml-text",
                        f'<op id="{op.get("id")}" timeout="15s"/>'], check=True,
                       env={"CIB_file": cib, "PATH": os.environ["PATH"]})

    mine, theirs = normalise(str(ours)), normalise(cib)
    names = ("primitives", "clones", "locations", "avoid constraints", "levels",
             "node attributes", "resource defaults", "properties", "orders")
    m_prims, t_prims = mine[0], theirs[0]
    assert set(m_prims) == set(t_prims)
    for rid in m_prims:
        m_cls, m_prov, m_type, m_params, m_meta, m_ops = m_prims[rid]
        t_cls, t_prov, t_type, t_params, t_meta, t_ops = t_prims[rid]
        assert (m_cls, m_prov, m_type) == (t_cls, t_prov, t_type), rid
        assert (m_params, m_meta) == (t_params, t_meta), rid
        # pcs adds the agent's default operations; ours must all be there
        assert m_ops <= t_ops, rid
    for name, a, b in zip(names[1:], mine[1:], theirs[1:]):
        assert a == b, name
    # what pcs makes of fence-nova's host list: ONE node named "c0,c1", no node of the cluster
    nova = {(node, score) for _, rsc, node, score in theirs[3]
            if rsc == "stonith-fence_compute-fence-nova"}
    assert nova == {(",".join(c.name for c in comps), "-10000")}
