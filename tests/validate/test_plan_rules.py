"""Plan rules on plans built from the real THT releases and their own roles."""
import pytest

from tests.validate.conftest import RELEASES
from tests.validate.planbuild import MACS, PlanFiles, fencing


def errors(findings):
    return [f for f in findings if f.is_error]


def rules(findings, severity=None):
    return sorted({f.rule for f in findings if severity is None or f.severity == severity})


@pytest.fixture
def plan18(tmp_path, tht_tree):
    return PlanFiles(tmp_path, tht_tree("18.0.0"))


@pytest.mark.parametrize("version", RELEASES)
def test_correct_plan_passes_on_every_release(tmp_path, tht_tree, version):
    findings = PlanFiles(tmp_path, tht_tree(version)).findings()
    assert findings == []


@pytest.mark.parametrize("version", RELEASES)
def test_missing_pacemaker_remote_caught_on_every_release(tmp_path, tht_tree, version):
    files = PlanFiles(tmp_path, tht_tree(version))
    role = files.role("ComputeInstanceHA")
    role["ServicesDefault"].remove("OS::TripleO::Services::PacemakerRemote")
    found = errors(files.findings())
    assert rules(found) == ["iha-role-services"]
    assert "PacemakerRemote" in found[0].message and found[0].line


def test_upstream_train_role_lost_rear(tmp_path, tht_tree):
    files = PlanFiles(tmp_path, tht_tree("11.6.0"), derived_role=False)
    found = files.findings()
    assert rules(found) == ["role-drift"]
    assert "Rear" in found[0].message and found[0].severity == "warning"
    assert found[0].file.endswith("roles_data.yaml") and found[0].line


def test_no_pacemaker_role_and_small_cluster(plan18):
    plan18.params["ControllerCount"] = 1
    found = plan18.findings(select=["pacemaker-role"])
    assert [(f.severity, f.line is not None) for f in found] == [("warning", True)]
    plan18.role("Controller")["ServicesDefault"].remove("OS::TripleO::Services::Pacemaker")
    found = plan18.findings(select=["pacemaker-role"])
    assert [f.severity for f in found] == ["error"]


def test_no_compute_service_in_iha_role(plan18):
    plan18.role("ComputeInstanceHA")["ServicesDefault"].remove("OS::TripleO::Services::NovaCompute")
    assert "NovaCompute" in errors(plan18.findings(select=["iha-role-services"]))[0].message


def test_fencing_disabled_or_empty(plan18):
    plan18.fencing = None
    found = plan18.findings()
    assert rules(found) == ["fencing-enabled"] and len(found) == 2
    plan18.fencing = {"EnableFencing": False, "FencingConfig": {"devices": []}}
    found = plan18.findings()
    assert {f.file.endswith("fencing.yaml") for f in found} == {True}


def test_node_without_device_by_mac(plan18):
    plan18.fencing = fencing([n for n in MACS if n != "compute-iha-1"])
    found = errors(plan18.findings())
    assert rules(found) == ["fencing-coverage"]
    assert "52:54:00:b0:00:21" in found[0].message


def test_mistyped_mac_is_an_orphan_device_and_an_unfenced_node(plan18):
    plan18.fencing["FencingConfig"]["devices"][3]["host_mac"] = "52:54:00:b0:00:99"
    found = plan18.findings(select=["fencing-coverage"])
    assert sorted((f.severity, "52:54:00:b0:00:99" in f.message) for f in found) == [
        ("error", False), ("warning", True)]


def test_unfenced_plain_compute_is_fine(plan18):
    plan18.fencing = fencing([n for n in MACS if n != "compute-0"])
    assert plan18.findings() == []


def test_agent_puppet_cannot_create_and_no_host_mac(plan18):
    devices = plan18.fencing["FencingConfig"]["devices"]
    devices.append({"agent": "fence_foo", "host_mac": MACS["compute-0"], "params": {}})
    devices.append({"agent": "fence_ipmilan", "params": {"ipaddr": "192.0.2.9"}})
    found = plan18.findings(select=["fencing-config"])
    assert [(f.severity, "fence_foo" in f.message) for f in found] == [
        ("error", True), ("warning", False)]


def test_agent_parameter_unknown_to_the_agent(plan18):
    plan18.fencing["FencingConfig"]["devices"][0]["params"]["ipadress"] = "192.0.2.1"
    found = plan18.findings(select=["fencing-config"])
    assert len(found) == 1 and "ipadress" in found[0].message
    assert "not-a-real-password" not in found[0].message


def test_malformed_and_gapped_levels(plan18):
    devices = plan18.fencing["FencingConfig"]["devices"]
    plan18.fencing["FencingConfig"]["devices"] = {"level1": devices, "lvl2": []}
    found = plan18.findings(select=["fencing-config"])
    assert [f.severity for f in found] == ["error"] and "lvl2" in found[0].message
    plan18.fencing["FencingConfig"]["devices"] = {"level1": devices, "level3": devices[:1]}
    found = plan18.findings(select=["fencing-config"])
    assert [f.severity for f in found] == ["warning"]


def test_duplicate_device_for_a_host(plan18):
    devices = plan18.fencing["FencingConfig"]["devices"]
    devices.append(dict(devices[0]))
    found = plan18.findings(select=["fencing-config"])
    assert len(found) == 1 and "only one device per agent per host" in found[0].message


def test_iha_compute_without_power_device_at_level1(plan18):
    devices = plan18.fencing["FencingConfig"]["devices"]
    xvm = {"agent": "fence_xvm", "host_mac": MACS["compute-iha-0"],
           "params": {"port": "compute-iha-0"}}
    power = [d for d in devices if d["host_mac"] == MACS["compute-iha-0"]]
    rest = [d for d in devices if d["host_mac"] != MACS["compute-iha-0"]]
    plan18.fencing["FencingConfig"]["devices"] = {"level1": rest + [xvm], "level2": power}
    found = errors(plan18.findings(select=["fencing-coverage"]))
    assert len(found) == 1 and "no power fence device at level 1" in found[0].message


def test_startup_delay_excludes_instance_ha(plan18):
    plan18.params["NovaComputeStartupDelay"] = 30
    found = plan18.findings()
    assert rules(found) == ["startup-delay"] and found[0].line
    # EnableInstanceHA is global: THT's compute_startup_delay condition drops it everywhere
    assert "drops the delay on every compute" in found[0].message
    assert "plain computes included" in found[0].message


def test_startup_delay_per_role_is_never_read(plan18):
    """NovaComputeStartupDelay is get_param in THT: no role reads it from <Role>Parameters."""
    plan18.params["ComputeInstanceHAParameters"] = {"NovaComputeStartupDelay": 60}
    plan18.params["ComputeParameters"] = {"NovaComputeStartupDelay": 90}
    found = [f for f in plan18.findings() if f.rule == "startup-delay"]
    assert not errors(found)
    assert sorted(f.message.split()[0] for f in found) == ["ComputeInstanceHAParameters",
                                                           "ComputeParameters"]
    assert all("never reads per role" in f.message for f in found)


def test_shared_storage_mismatch(plan18):
    plan18.params["NovaEnableRbdBackend"] = True
    found = plan18.findings()
    assert rules(found, "warning") == ["shared-storage"] and "InvalidSharedStorage" in \
        found[0].message
    plan18.params["InstanceHANoSharedStorage"] = False
    assert plan18.findings() == []
    del plan18.params["NovaEnableRbdBackend"]
    assert rules(plan18.findings()) == ["shared-storage"]


def test_node_names(plan18):
    plan18.params["ComputeInstanceHAHostnameFormat"] = "%stackname%_iha_%index%"
    found = plan18.findings(select=["node-names"])
    assert len(found) == 2 and "RFC 1123" in found[0].message
    plan18.params["ComputeInstanceHAHostnameFormat"] = "OVERCLOUD-controller-%index%"
    found = plan18.findings(select=["node-names"])
    assert len(found) == 2 and "lower-cased" in found[0].message


def test_param_types(plan18):
    plan18.fencing["EnableFencing"] = [True]
    plan18.params["ComputeInstanceHACount"] = "two"
    plan18.params["InstanceHAKeystonePassword"] = {"secret": "hunter2"}
    found = plan18.findings(select=["param-types", "tunables"])
    assert len(found) == 3
    assert not any("hunter2" in f.message for f in found)
    plan18.fencing["FencingConfig"] = '{"devices": [{"params": {"passwd": "hunter2"'
    found = plan18.findings(select=["param-types"])
    assert any("FencingConfig" in f.message for f in found)
    assert not any("hunter2" in f.message for f in found)


def test_tunables_out_of_range_in_environment_files_and_role_parameters(plan18):
    plan18.params["InstanceHAEvacuateDelay"] = -30
    plan18.params["ComputeInstanceHAParameters"] = {"InstanceHARemoteMonitorInterval": 0,
                                                    "InstanceHAEvacuateDelay": 5}
    found = plan18.findings(select=["tunables"])
    assert [(f.severity, f.file.endswith("params.yaml"), bool(f.line)) for f in found] == [
        ("error", True, True), ("error", True, True), ("warning", True, True)]
    assert "InstanceHAEvacuateDelay -30 is below the accepted range" in found[0].message
    assert "from 0 to 3600" in found[0].message
    assert "ComputeInstanceHAParameters.InstanceHARemoteMonitorInterval 0" in found[1].message
    assert "has no effect" in found[2].message


@pytest.mark.parametrize("value, warned", [(12, True), (1, True), (13, False), (15, False),
                                           (120, False)])
def test_remote_monitor_timeout_below_the_provisional_floor_is_warned(plan18, value, warned):
    plan18.params["InstanceHARemoteMonitorTimeout"] = value
    found = plan18.findings(select=["remote-monitor-timeout"])
    assert [(f.severity, f.file.endswith("params.yaml"), bool(f.line)) for f in found] == (
        [("warning", True, True)] if warned else [])
    if warned:
        assert f"InstanceHARemoteMonitorTimeout is {value} s" in found[0].message
        assert "13 or more" in found[0].fix


def test_remote_monitor_timeout_out_of_range_is_the_tunables_rules_finding(plan18):
    plan18.params["InstanceHARemoteMonitorTimeout"] = 0
    assert plan18.findings(select=["remote-monitor-timeout"]) == []
    found = plan18.findings(select=["tunables"])
    assert [f.severity for f in found] == ["error"]
    assert "InstanceHARemoteMonitorTimeout 0 is below the accepted range" in found[0].message


def test_no_budget_from_an_invalid_tunable(plan18):
    from tripleo_instanceha.validate import api
    plan18.params["InstanceHAEvacuateDelay"] = -30
    plan = plan18.load()
    findings = api.validate_plan(plan, plan18.tht_dir, plan.environment.files[1:])
    recovery, note = api.recovery_budget(plan, findings)
    assert recovery is None and "fix the errors above first" in note


def test_instance_ha_switch_consistency(plan18):
    plan18.params["EnableInstanceHA"] = False
    assert "EnableInstanceHA is not true" in errors(plan18.findings())[0].message
    plan18.params["EnableInstanceHA"] = True
    plan18.env_files = plan18.env_files[:1]  # forgot environments/instance-ha.yaml
    found = errors(plan18.findings())
    assert rules(found) == ["iha-enabled"] and "OS::Heat::None" in found[0].message


def test_registry_path_missing(plan18, tmp_path):
    env = tmp_path / "extra.yaml"
    env.write_text("resource_registry:\n  OS::TripleO::Services::Foo: ./nope/foo.yaml\n")
    plan18.extra_envs.append(str(env))
    found = plan18.findings(select=["registry-paths"])
    assert len(found) == 1 and found[0].line == 2 and found[0].file == str(env)


def test_instance_ha_off_is_one_warning(plan18):
    plan18.params["EnableInstanceHA"] = False
    plan18.roles = [r for r in plan18.roles if r["name"] != "ComputeInstanceHA"]
    plan18.params.pop("ComputeInstanceHACount")
    found = plan18.findings()
    assert [(f.rule, f.severity) for f in found] == [("iha-enabled", "warning")]


def test_role_service_nobody_maps(plan18):
    plan18.role("ComputeInstanceHA")["ServicesDefault"].append("OS::TripleO::Services::Nope")
    found = plan18.findings()
    assert rules(found) == ["role-services-mapped"]
    assert "OS::TripleO::Services::Nope" in errors(found)[0].message


def test_templates_dir_that_is_not_tht(tmp_path):
    from tripleo_instanceha.errors import InputError
    from tripleo_instanceha.validate import api
    with pytest.raises(InputError, match="not a tripleo-heat-templates tree"):
        api.check_templates_dir(str(tmp_path))


def test_without_templates_only_explicit_none_mappings_count(plan18):
    from tripleo_instanceha.plan import Plan
    from tripleo_instanceha.validate import linter
    from tripleo_instanceha.validate.context import PlanContext
    roles, envs, nodes = plan18.write()
    envs = envs[1:]  # no THT: only our environment and the plan's own files
    ctx = PlanContext(Plan.load(None, roles, envs, nodes), None, False, envs)
    assert linter.lint_plan(ctx, engine=False) == []


def test_fencing_findings_point_at_the_device_line(plan18):
    devices = plan18.fencing["FencingConfig"]["devices"]
    devices[2]["agent"] = "fence_foo"
    plan18.fencing["FencingConfig"]["devices"] = {"level1": devices, "level2": [{"x": 1}]}
    found = plan18.findings(select=["fencing-config"])
    assert len(found) == 1 and "level2[0]" in found[0].message
    with open(found[0].file) as handle:
        assert "x: 1" in handle.read().splitlines()[found[0].line - 1]
    plan18.fencing["FencingConfig"]["devices"] = devices
    found = plan18.findings(select=["fencing-config"])
    with open(found[0].file) as handle:
        line = handle.read().splitlines()[found[0].line - 1]
    assert "fence_foo" in found[0].message and "agent: fence_foo" in line


def test_instance_ha_role_with_no_nodes(plan18):
    plan18.params["ComputeInstanceHACount"] = 0
    found = plan18.findings(select=["iha-enabled"])
    assert [(f.severity, f.line) for f in found] == [("warning", 4)]


def test_inventory_duplicate_mac(plan18):
    plan18.nodes["nodes"][5]["ports"] = [{"address": MACS["compute-iha-0"]}]
    found = plan18.findings(select=["inventory"])
    assert found and found[0].severity == "error" and found[0].file.endswith("instackenv.json")


def test_keystone_user_must_be_its_own_project(plan18):
    """fence-nova gets tenant_name => the user (puppet-tripleo instance_ha.pp), not the project."""
    plan18.params.update(InstanceHAKeystoneUser="nova", InstanceHAKeystoneProject="service",
                         InstanceHAKeystonePassword="nova-password")
    found = errors(plan18.findings(select=["keystone-identity"]))
    assert len(found) == 1 and found[0].line
    assert "InstanceHAKeystoneUser" in found[0].message
    assert "InstanceHAKeystoneProject" in found[0].message
    assert "tenant_name => $keystone_admin" in found[0].message
    plan18.params["InstanceHAKeystoneProject"] = "nova"
    assert plan18.findings(select=["keystone-identity"]) == []


def test_keystone_user_other_than_admin_needs_its_password(plan18):
    plan18.params.update(InstanceHAKeystoneUser="ihauser", InstanceHAKeystoneProject="ihauser")
    found = errors(plan18.findings(select=["keystone-identity"]))
    assert len(found) == 1 and "InstanceHAKeystonePassword" in found[0].message
    plan18.params["InstanceHAKeystonePassword"] = "secret-pass"
    assert plan18.findings(select=["keystone-identity"]) == []
    assert plan18.findings() == []


def test_upper_case_host_mac_is_an_error(plan18):
    """puppet-tripleo compares host_mac with facter's lower-case MAC exactly."""
    plan18.fencing["FencingConfig"]["devices"][3]["host_mac"] = MACS["compute-iha-0"].upper()
    found = errors(plan18.findings())
    assert "host-mac-case" in rules(found)
    case = [f for f in found if f.rule == "host-mac-case"]
    assert len(case) == 1 and MACS["compute-iha-0"].upper() in case[0].message and case[0].line
    # and the node it was meant for is left without a device, as puppet leaves it
    assert "fencing-coverage" in rules(found)


@pytest.mark.parametrize("value, warned", [(1, True), (49, True), (50, False), (100, False),
                                           (0, False)])
def test_a_storm_threshold_that_holds_a_single_failure_is_warned(plan18, value, warned):
    """Two Instance HA computes: below 50 % one failure is already above the threshold."""
    plan18.params["InstanceHAStormThreshold"] = value
    found = plan18.findings(select=["storm-threshold"])
    assert [(f.severity, f.file.endswith("params.yaml"), bool(f.line)) for f in found] == (
        [("warning", True, True)] if warned else [])
    if warned:
        assert f"InstanceHAStormThreshold is {value}% of 2 Instance HA compute(s)" in \
            found[0].message
        assert "a single failed compute is held" in found[0].message
        assert "to 50 or more" in found[0].fix


def test_a_storm_threshold_out_of_range_is_the_tunables_rules_finding(plan18):
    plan18.params["InstanceHAStormThreshold"] = 101
    assert plan18.findings(select=["storm-threshold"]) == []
    found = plan18.findings(select=["tunables"])
    assert [f.severity for f in found] == ["error"]
    assert "InstanceHAStormThreshold 101 is above the accepted range" in found[0].message
    assert "percent of the Instance HA computes from 0 to 100" in found[0].message
