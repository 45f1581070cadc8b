"""The ComputeInstanceHA role: derived from a release's own Compute role, nothing lost."""
import os

import pytest
import yaml

from tripleo_instanceha import tht
from tripleo_instanceha.cli.app import main
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.tht.roles import derive_role_file

from .conftest import ROLE


def compute(version):
    with open(os.path.join(tht.fetch(version), "roles", "Compute.yaml"), encoding="utf-8") as h:
        return yaml.safe_load(h)[0]


def test_shipped_role_is_what_roles_generate_derives_from_tht_18():
    with open(ROLE, encoding="utf-8") as handle:
        assert handle.read() == derive_role_file(tht.fetch("18.0.0"))


@pytest.mark.parametrize("version", ["8.4.1", "11.6.0", "14.3.0", "18.0.0"])
def test_derived_role_is_compute_plus_two_services(version):
    base = compute(version)
    role = yaml.safe_load(derive_role_file(tht.fetch(version)))[0]
    assert role["name"] == "ComputeInstanceHA"
    added = [s for s in role["ServicesDefault"] if s not in base["ServicesDefault"]]
    assert sorted(added) == sorted([P.SERVICE_COMPUTE_IHA, P.SERVICE_PACEMAKER_REMOTE])
    assert set(base["ServicesDefault"]) <= set(role["ServicesDefault"])
    for key in ("networks", "tags", "RoleParametersDefault", "update_serial", "CountDefault"):
        assert role.get(key) == base.get(key), key
    # The Compute role's legacy parameter names stay with Compute.
    assert not any(key.startswith("deprecated_") for key in role)


def test_wallaby_role_keeps_rear():
    role = yaml.safe_load(derive_role_file(tht.fetch("14.3.0")))[0]
    assert "OS::TripleO::Services::Rear" in role["ServicesDefault"]


def test_roles_generate_writes_the_file(tmp_path, capsys):
    out = tmp_path / "ComputeInstanceHA.yaml"
    assert main(["roles", "generate", "--templates", tht.fetch("18.0.0"), "-o", str(out)]) == 0
    with open(ROLE, encoding="utf-8") as handle:
        assert out.read_text(encoding="utf-8") == handle.read()
    assert main(["roles", "generate", "--templates", tht.fetch("11.6.0")]) == 0
    assert "OS::TripleO::Services::Rear" in capsys.readouterr().out


@pytest.mark.parametrize("make, fragment", [
    (lambda d: None, "no Compute role"),
    (lambda d: (d / "roles").mkdir() or (d / "roles" / "Compute.yaml").write_text("- name: X\n"),
     "not a single role named Compute"),
    (lambda d: (d / "roles").mkdir() or (d / "roles" / "Compute.yaml").write_text("- [\n"),
     "broken YAML"),
])
def test_roles_generate_bad_tree_is_one_clear_error(tmp_path, capsys, make, fragment):
    make(tmp_path)
    out = tmp_path / "out.yaml"
    assert main(["roles", "generate", "--templates", str(tmp_path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not out.exists()


def test_roles_generate_missing_directory(tmp_path, capsys):
    assert main(["roles", "generate", "--templates", str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err
