"""``status --os-cloud`` against a real Nova (tests/realcloud's control plane), one plane.

The cluster half reads the example cluster's healthy CIB (both computes online in
pacemaker); Nova is driven through the states an operator meets: healthy, a compute
killed and forced down by fence_compute (a mismatch: pacemaker still sees it online),
then evacuated by fence_evacuate.
"""
from __future__ import annotations

import json
import os

import pytest
import yaml

from tests.realcloud.cloud import C0, C1, SHORT, two_computes

from .conftest import run_status

pytestmark = pytest.mark.realcloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with two_computes(str(tmp_path_factory.mktemp("novastatus"))) as cloud:
        yield cloud


@pytest.fixture(scope="module")
def clouds_file(cloud, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("clouds") / "clouds.yaml")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(cloud.plane.clouds_yaml(), handle)
    return path


def status(healthy, clouds_file, monkeypatch, *extra):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", clouds_file)
    for key in [k for k in os.environ if k.startswith("OS_") and k != "OS_CLIENT_CONFIG_FILE"]:
        monkeypatch.delenv(key)
    code, out, err = run_status(["--cib", healthy, "--os-cloud", "overcloud", *extra])
    assert code in (0, 1), err
    return code, out


def nova_reasons(data):
    return sorted((r["rule"], r["subject"]) for r in data["nova"]["reasons"])


def compute(data, host):
    return next(c for c in data["nova"]["computes"] if c["host"] == host)


def test_states(cloud, clouds_file, healthy, monkeypatch):
    # healthy: both services up and enabled, both hypervisors present
    code, out = status(healthy, clouds_file, monkeypatch, "--format", "json")
    data = json.loads(out)
    assert (code, data["verdict"], nova_reasons(data)) == (0, "protected", [])
    assert {(c["state"], c["status"], c["forced_down"], c["hypervisor"])
            for c in data["nova"]["computes"]} == {("up", "enabled", False, True)}
    assert cloud.plane.admin_password not in out

    # killed and fenced by fence_compute: forced down in Nova, online in the cluster
    ids = cloud.boot(C0, 2)
    cloud.plane.kill_compute(C0)
    cloud.agent("fence_compute", "off", SHORT[0])
    code, out = status(healthy, clouds_file, monkeypatch, "--format", "json")
    data = json.loads(out)
    assert code == 1 and ("nova-forced-down", C0) in nova_reasons(data), nova_reasons(data)
    assert compute(data, C0)["forced_down"] is True
    assert compute(data, C0)["status"] == "disabled"
    code, text = status(healthy, clouds_file, monkeypatch)
    assert f"[nova-forced-down] {C0}: online in pacemaker but forced down" in text
    assert "Verdict: DEGRADED" in text

    # evacuated: the evacuations from C0 are counted, the servers are ACTIVE on C1
    cloud.agent("fence_evacuate", "off", C0)
    cloud.wait_evacuated(ids, C1)
    code, out = status(healthy, clouds_file, monkeypatch, "--format", "json")
    data = json.loads(out)
    assert sum(compute(data, C0)["evacuations"].values()) == 2, compute(data, C0)
    assert not [r for r in nova_reasons(data) if r[0] in ("nova-servers", "nova-evacuations")]
