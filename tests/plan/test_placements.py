"""Node slots, host names and inventory assignment of the plan model."""
import json

from tripleo_instanceha.plan import Plan


ROLES = """
- name: Controller
  CountDefault: 3
  tags: [primary, controller]
  ServicesDefault: [OS::TripleO::Services::Pacemaker]
- name: ComputeInstanceHA
  CountDefault: 2
  HostnameFormatDefault: '%stackname%-novacomputeiha-%index%'
  ServicesDefault:
    - OS::TripleO::Services::ComputeInstanceHA
    - OS::TripleO::Services::NovaCompute
    - OS::TripleO::Services::PacemakerRemote
"""


def node(name, mac, profile=None, hint=None):
    caps = ",".join(x for x in (profile and f"profile:{profile}", hint and f"node:{hint}") if x)
    return {"name": name, "pm_type": "ipmi", "pm_addr": "192.0.2.1", "pm_user": "u",
            "pm_password": "p", "ports": [{"address": mac}], "capabilities": caps}


def test_placements_follow_hints_then_profiles(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text(ROLES)
    env = tmp_path / "env.yaml"
    env.write_text("parameter_defaults:\n  EnableInstanceHA: true\n  ComputeInstanceHACount: 2\n"
                   "  HostnameMap:\n    overcloud-novacomputeiha-1: Compute-B\n")
    inv = tmp_path / "nodes.json"
    inv.write_text(json.dumps({"nodes": [
        node("c1", "aa:00:00:00:00:01", profile="compute"),
        node("k0", "aa:00:00:00:00:10", profile="control"),
        node("k1", "aa:00:00:00:00:11", hint="controller-2"),
        node("c0", "aa:00:00:00:00:02", profile="compute"),
        node("k2", "aa:00:00:00:00:12", profile="control"),
    ]}))
    plan = Plan.load(roles_file=str(roles), env_files=[str(env)], nodes_file=str(inv))
    assert plan.instance_ha_enabled
    assert [p.name for p in plan.cluster_members] == [
        "overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2"]
    assert plan.cluster_members[2].node.name == "k1"
    assert [p.node.name for p in plan.iha_computes] == ["c1", "c0"]
    assert [p.name for p in plan.iha_computes] == ["overcloud-novacomputeiha-0", "compute-b"]
    assert [p.name for p in plan.remotes] == [p.name for p in plan.iha_computes]


def test_instance_ha_needs_both_the_switch_and_a_role(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text(ROLES)
    plan = Plan.load(roles_file=str(roles))
    assert not plan.instance_ha_enabled
