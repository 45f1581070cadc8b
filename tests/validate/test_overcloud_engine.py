"""The composed overcloud of a real THT release, validated by the Heat engine."""
import os

import pytest

from tripleo_instanceha import tht
from tests.validate.planbuild import PlanFiles

BROKEN = """\
heat_template_version: wallaby
parameters:
  ServiceData: {default: {}, type: json}
  ServiceNetMap: {default: {}, type: json}
  RoleName: {default: '', type: string}
  RoleParameters: {default: {}, type: json}
  EndpointMap: {default: {}, type: json}
resources:
  Broken: {type: OS::Heat::Nope}
outputs:
  role_data:
    value: {service_name: timezone}
"""


def test_composed_overcloud_passes_then_names_the_broken_service(tmp_path, tht_tree):
    tht_dir = tht_tree("18.0.0")
    files = PlanFiles(tmp_path, tht_dir)
    # THT's own Instance HA environment: this test judges the engine check, not our templates.
    files.env_files = [os.path.join(tht_dir, "environments", "docker-ha.yaml"),
                       os.path.join(tht_dir, "environments", "compute-instanceha.yaml")]
    files.extra_envs.append(str(_write(tmp_path / "secrets.yaml", (
        "parameter_defaults:\n  PacemakerRemoteAuthkey: placeholder\n"
        "  PcsdPassword: placeholder\n"))))
    assert files.findings(engine=True, select=["overcloud-engine"]) == []

    broken = _write(tmp_path / "svc" / "broken-timezone.yaml", BROKEN)
    files.extra_envs.append(str(_write(tmp_path / "svc" / "env.yaml", (
        "resource_registry:\n  OS::TripleO::Services::Timezone: ./broken-timezone.yaml\n"))))
    found = files.findings(engine=True, select=["overcloud-engine"])
    assert len(found) == 1
    assert found[0].file == str(broken) and "OS::Heat::Nope" in found[0].message


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("version", ["8.4.1", "11.6.0", "14.3.0"])
def test_older_releases_compose_with_our_tree_laid_on(tmp_path, tht_tree, version):
    """Releases whose Heat creates servers and ports validate offline too (deployed-server
    layout), once our tree is laid onto them; unadapted, Train refuses our service."""
    tree = tht.overlay(tht_tree(version), str(tmp_path / "tree"))
    files = PlanFiles(tmp_path, tree)
    files.env_files = [os.path.join(tree, "environments", "docker-ha.yaml"),
                       os.path.join(tree, "environments", "instance-ha.yaml")]
    assert files.findings(engine=True, select=["overcloud-engine"]) == []
    if version == "11.6.0":
        (tmp_path / "raw").mkdir()
        files = PlanFiles(tmp_path / "raw", tht_tree(version))
        found = files.findings(engine=True, select=["overcloud-engine"])
        assert len(found) == 1 and "Unknown Property DefaultPasswords" in found[0].message
