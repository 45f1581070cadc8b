"""``status --os-cloud`` against a real Nova (tests/realcloud's control plane), one plane.

The cluster half reads the example cluster's healthy CIB (both computes online in
pacemaker); Nova is driven through the states an operator meets: healthy, a compute
killed and forced down by fence_compute (a mismatch: pacemaker still sees it online),
then evacuated by fence_evacuate.
"""
from __future__ import annotations

import json
import os
import time

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

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


def test_evacuable_prediction_is_what_fence_evacuate_does(cloud, clouds_file, healthy,
                                                          monkeypatch, tmp_path):
    """status says which instances the real fence_evacuate takes, and why; then the agent
    runs and takes exactly those. The cases: a flavor with evacuable=true, an image tagged
    evacuable, an image tagged but pushed off the first page of glance's list by 25 newer
    images, an image with the property instead of the tag, and an untagged image."""
    conn = cloud.conn
    cloud.recover_and_unfence(C0, SHORT[0])  # the previous test left it fenced

    def image(name, **extra):
        conn.image.create_image(name=name, data=b"\0" * 1024, disk_format="raw",
                                container_format="bare", visibility="public", **extra)
        time.sleep(1.1)  # glance orders its list by created_at (newest first)

    image("old", tags=["evacuable"])
    for n in range(25):
        image(f"filler-{n}")
    image("tagged", tags=["evacuable"])
    image("prop", meta={"evacuable": "true"})
    flavor = conn.compute.create_flavor(name="m1.ha", ram=64, vcpus=1, disk=0)
    conn.compute.create_flavor_extra_specs(flavor, {"evacuable": "true"})
    booted = {case: cloud.boot(C1, 1, image=img, flavor=fl)[0] for case, img, fl in (
        ("flavor", "tiny", "m1.ha"), ("tag", "tagged", "m1.tiny"), ("old", "old", "m1.tiny"),
        ("property", "prop", "m1.tiny"), ("untagged", "tiny", "m1.tiny"))}

    code, out = status(healthy, clouds_file, monkeypatch, "--format", "json")
    data = json.loads(out)
    mine = {i["id"]: i for i in data["nova"]["instances"] if i["host"] == C1}
    assert {case: (mine[sid]["evacuable"], mine[sid]["rule"]) for case, sid in booted.items()} \
        == {"flavor": (True, "flavor m1.ha has evacuable=true"),
            "tag": (True, "image tagged is tagged evacuable"),
            "old": (False, "neither flavor m1.tiny nor image old is tagged evacuable"),
            "property": (False, "neither flavor m1.tiny nor image prop is tagged evacuable"),
            "untagged": (False, "neither flavor m1.tiny nor image tiny is tagged evacuable")}
    assert code == 1
    assert sorted(r["subject"] for r in data["nova"]["reasons"]
                  if r["rule"] == "nova-tagging") == ["image old", "image prop"]
    code, text = status(healthy, clouds_file, monkeypatch)
    assert f"({booted['old']}) on {SHORT[1]}: neither flavor m1.tiny nor image old" in text
    prom = tmp_path / "instanceha.prom"
    status(healthy, clouds_file, monkeypatch, "--prometheus", str(prom))
    found = {(s.name, tuple(sorted(s.labels.items()))): s.value
             for family in text_string_to_metric_families(prom.read_text())
             for s in family.samples}
    node = next(c["name"] for c in data["nova"]["computes"] if c["host"] == C1)
    counted = {flag: found[("tripleo_instanceha_nova_instances",
                            (("evacuable", flag), ("node", node)))] for flag in ("true", "false")}
    assert counted == {"true": 2, "false": len(mine) - 2}

    # The real agent decides: kill C1, fence it, evacuate it.
    predicted = {sid for sid, i in mine.items() if i["evacuable"]}
    cloud.plane.kill_compute(C1)
    cloud.agent("fence_compute", "off", SHORT[1])
    cloud.agent("fence_evacuate", "off", C1)
    cloud.wait_evacuated(sorted(predicted), C0)
    evacuated = {m["instance_uuid"] for m in conn.compute.get(
        "/os-migrations?migration_type=evacuation", microversion="2.59").json()["migrations"]
        if m["source_compute"] == C1}
    assert evacuated == predicted
    assert all(s.compute_host == C1 for s in cloud.servers(sorted(set(mine) - predicted)))
