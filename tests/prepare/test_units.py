"""Profiles -> roles, tunables, manifest: the pieces of prepare without a THT tree."""
import pytest

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.inventory import node_from_dict
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.plan.roles import role_from_dict
from tripleo_instanceha.prepare import envs, manifest, profiles


def role(name, *services):
    return role_from_dict({"name": name, "ServicesDefault": [
        f"OS::TripleO::Services::{s}" for s in services]}, "roles.yaml")


CONTROLLER = role("Controller", "Pacemaker")
COMPUTE = role("Compute", "NovaCompute")
IHA = role("ComputeInstanceHA", "NovaCompute", "ComputeInstanceHA", "PacemakerRemote")


def nodes(*profile_list):
    return [node_from_dict(i, {"name": f"n{i}", "capabilities": f"profile:{p}"} if p else
                           {"name": f"n{i}"}) for i, p in enumerate(profile_list)]


def test_compute_profile_is_protected_unless_iha_nodes_are_marked():
    roles = [CONTROLLER, COMPUTE, IHA]
    plain = profiles.assign(nodes("control", "compute", "compute"), roles)
    assert plain.counts == {"Controller": 1, "Compute": 0, "ComputeInstanceHA": 2}
    mixed = profiles.assign(nodes("control", "compute", "computeinstanceha", "ComputeInstanceHA"),
                            roles)
    assert mixed.counts == {"Controller": 1, "Compute": 1, "ComputeInstanceHA": 2}


def test_unplaced_and_profileless_nodes_are_reported():
    result = profiles.assign(nodes("control", "compute", "gpu", None), [CONTROLLER, IHA])
    assert result.unplaced == {"gpu": 1}
    assert result.no_profile == ["n3"]
    assert any("gpu" in note for note in result.notes())


@pytest.mark.parametrize("profile_list,expected", [
    (("control", "ceph-storage"), "no node has a compute profile"),
    (("compute", "compute"), "no node has a control profile"),
])
def test_assignment_without_cluster_or_computes_is_refused(profile_list, expected):
    roles = [CONTROLLER, IHA]
    with pytest.raises(InputError) as exc:
        envs.check_assignment(roles, profiles.assign(nodes(*profile_list), roles), "inv.json")
    assert expected in str(exc.value) and "inv.json" in str(exc.value)


def test_settings_are_typed_and_secrets_refused():
    assert envs.parse_settings(["InstanceHAEvacuateDelay=30",
                                "InstanceHANoSharedStorage=false"]) == {
        "InstanceHAEvacuateDelay": 30, "InstanceHANoSharedStorage": False}
    for bad in ("InstanceHAEvacuateDelay=soon", "InstanceHANoSharedStorage=2", "Nope=1",
                "InstanceHAKeystonePassword=x", "InstanceHAEvacuateDelay"):
        with pytest.raises(InputError):
            envs.parse_settings([bad])


def test_parameters_file_explains_every_tunable_and_holds_no_secret():
    chosen = envs.chosen_tunables({"InstanceHAEvacuateDelay": 5}, lambda n, d: d)
    text = envs.parameters_text(chosen)
    assert set(envs.DESCRIPTIONS) == set(P.TUNABLES)
    assert "  InstanceHAEvacuateDelay: 5\n" in text
    assert "InstanceHAKeystonePassword:" not in text
    for name in P.TUNABLES:
        assert name in text


def test_manifest_tells_own_files_from_edits(tmp_path):
    files = {"a.yaml": "one\n", "b.yaml": "two\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / manifest.MANIFEST).write_text(manifest.render(files))
    assert manifest.conflicts(str(tmp_path), {"a.yaml": "new\n", "b.yaml": "two\n"}) == []
    (tmp_path / "a.yaml").write_text("edited\n")
    (tmp_path / "c.yaml").write_text("mine\n")
    found = manifest.conflicts(str(tmp_path), {"a.yaml": "new\n", "c.yaml": "x\n"})
    assert [(c.name, c.reason) for c in found] == [
        ("a.yaml", "was edited since prepare wrote it"),
        ("c.yaml", "exists but was not written by prepare")]
