"""Differential test against tripleo-common's `generate_fencing_parameters`.

Over a seeded corpus of inventories tripleo-common accepts, our environment
must equal tripleo-common's once the deliberate differences below are applied
to tripleo-common's output. Each difference is documented in
doc/source/fencing.rst ("Differences from openstack overcloud generate fencing"):

D1  host_mac is the pxe_enabled port's MAC (else the first port's), and the
    deprecated ``mac`` list counts too; tripleo-common takes ports[0] only and
    ignores ``mac`` (so CSV inventories got no host_mac at all).
D2  fence_redfish devices get no ``privlvl`` / ``cipher``: fence_redfish has
    neither parameter (tripleo-common adds them with --ipmi-level/--ipmi-cipher).
D3  fence_ipmilan devices get no ``ssl_insecure`` from redfish_verify_ca:
    fence_ipmilan has no such parameter.
D4  redfish_verify_ca given as a YAML/JSON boolean false disables certificate
    checks (ssl_insecure 'true'); tripleo-common only recognises the string.
D5  pm_port is written as a number, user names and passwords as text.
D6  IPv6 BMC addresses are bracketed for fence_redfish and fence_rhevm, which
    paste the address into a URL.
D7  MACs written with dashes (or Cisco dots) become the colon form facter
    reports, which puppet-tripleo matches host_mac against; tripleo-common
    only lower-cases them.
D8  fence_redfish devices that verify certificates get no ``ssl_insecure``;
    tripleo-common writes ssl_insecure 'false', which fence-agents reads as set
    (so its devices never verify).
Outside this corpus: irmc, xclarity and kubevirt nodes and missing fields
(tripleo-common aborts or crashes; we map or report them), and inventories it
turns into broken devices without a word (duplicate names, MACs or BMC
targets, invalid addresses or ports, wrong value types), which we refuse with
messages (tests/fencing/test_checks.py).
"""
from __future__ import annotations

import copy

import pytest
from tripleo_common.utils.stack_parameters import generate_fencing_parameters

from tests.fencing import corpus
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.fencing.generator import build
from tripleo_instanceha.inventory import inventory_from_data, normalise_mac

SEEDS = range(40)


def ours(nodes, opts):
    inventory = inventory_from_data(copy.deepcopy(nodes), "corpus")
    options = D.Options(delay=opts["delay"], ipmi_lanplus=opts["ipmi_lanplus"],
                        ipmi_cipher=opts["ipmi_cipher"], ipmi_level=opts["ipmi_level"])
    return build(inventory.nodes, options, source="corpus").environment()


def upstream_with_differences(nodes, opts):
    """tripleo-common's output with the documented differences D1-D8 applied."""
    result = generate_fencing_parameters(copy.deepcopy(nodes), **opts)
    for node, device in zip(nodes, result["parameter_defaults"]["FencingConfig"]["devices"]):
        params = device["params"]
        # D1
        ports = node.get("ports") or [{"address": m} for m in node.get("mac", [])]
        pxe = [p for p in ports if p.get("pxe_enabled")]
        if ports:  # D1, and D7 (normalise_mac)
            device["host_mac"] = normalise_mac((pxe or ports)[0]["address"])
        if device["agent"] == "fence_redfish":
            params.pop("privlvl", None)  # D2
            params.pop("cipher", None)
            if node.get("redfish_verify_ca") is False:  # D4
                params["ssl_insecure"] = "true"
            if params.get("ssl_insecure") == "false":  # D8
                del params["ssl_insecure"]
        if device["agent"] == "fence_ipmilan":
            params.pop("ssl_insecure", None)  # D3
        if "ipport" in params:  # D5
            params["ipport"] = int(params["ipport"])
        params["passwd"] = str(params["passwd"])
        params["login"] = str(params["login"])
        if device["agent"] in ("fence_redfish", "fence_rhevm") and ":" in params["ipaddr"]:
            params["ipaddr"] = f"[{params['ipaddr']}]"  # D6
    return result


def normalise(env):
    """Order-insensitive within a device (dict equality) but not across devices."""
    devices = env["parameter_defaults"]["FencingConfig"]["devices"]
    return {"parameter_defaults": {
        "EnableFencing": env["parameter_defaults"]["EnableFencing"],
        "FencingConfig": {"devices": [dict(d) for d in devices]}}}


@pytest.mark.parametrize("seed", SEEDS)
def test_same_environment_as_tripleo_common(seed):
    nodes = corpus.inventory(seed, 1 + seed % 25)
    opts = corpus.options(seed)
    assert normalise(ours(nodes, opts)) == normalise(upstream_with_differences(nodes, opts))


def test_corpus_covers_every_difference_and_driver():
    """The corpus really exercises what the differences are about."""
    nodes = [n for seed in SEEDS for n in corpus.inventory(seed, 1 + seed % 25)]
    types = {n["pm_type"] for n in nodes}
    assert types == set(corpus.UPSTREAM_TYPES)
    assert any("mac" in n for n in nodes)
    assert any(p.get("pxe_enabled") and i > 0 for n in nodes
               for i, p in enumerate(n.get("ports", [])))
    assert any(n.get("redfish_verify_ca") is False for n in nodes)
    assert any(n.get("redfish_verify_ca") in (True, "true") for n in nodes)
    assert any(n["pm_type"] == "redfish" and ":" in n["pm_addr"] for n in nodes)
    assert any(isinstance(n.get("pm_port"), str) for n in nodes)
    assert any("-" in p["address"] for n in nodes for p in n.get("ports", []))


def test_differences_are_real():
    """Without the adjustments the outputs differ, for the reasons listed (D1, D2, D4, D8)."""
    nodes = [
        {"name": "a", "pm_type": "redfish", "pm_addr": "192.0.2.1", "pm_user": "u",
         "pm_password": "p", "pm_system_id": "/redfish/v1/Systems/1",
         "redfish_verify_ca": False,
         "ports": [{"address": "52:54:00:00:00:01", "pxe_enabled": False},
                   {"address": "52:54:00:00:00:02", "pxe_enabled": True}]},
        {"name": "b", "pm_type": "redfish", "pm_addr": "192.0.2.2", "pm_user": "u",
         "pm_password": "p", "pm_system_id": "/redfish/v1/Systems/1",
         "redfish_verify_ca": True, "ports": [{"address": "52:54:00:00:00:03"}]},
    ]
    opts = {"delay": None, "ipmi_level": "operator", "ipmi_cipher": None, "ipmi_lanplus": True}
    raw = generate_fencing_parameters(copy.deepcopy(nodes), **opts)
    up = raw["parameter_defaults"]["FencingConfig"]["devices"][0]
    mine = ours(nodes, opts)["parameter_defaults"]["FencingConfig"]["devices"][0]
    assert up["host_mac"] == "52:54:00:00:00:01" and mine["host_mac"] == "52:54:00:00:00:02"
    assert up["params"]["privlvl"] == "operator" and "privlvl" not in mine["params"]
    assert up["params"]["ssl_insecure"] == "false" and mine["params"]["ssl_insecure"] == "true"
    up = raw["parameter_defaults"]["FencingConfig"]["devices"][1]
    mine = ours(nodes, opts)["parameter_defaults"]["FencingConfig"]["devices"][1]
    assert up["params"]["ssl_insecure"] == "false" and "ssl_insecure" not in mine["params"]


def test_tripleo_common_aborts_where_we_map_or_report():
    """irmc is refused by tripleo-common; we map it (IPMI by default, Redfish on request)."""
    node = {"name": "r", "pm_type": "irmc", "pm_addr": "192.0.2.5", "pm_user": "u",
            "pm_password": "p", "ports": [{"address": "52:54:00:00:00:05"}]}
    with pytest.raises(ValueError):
        generate_fencing_parameters([dict(node)], None, None, None, True)
    inventory = inventory_from_data([dict(node)], "x")
    device = build(inventory.nodes).config.devices[0]
    assert device.agent == "fence_ipmilan"
    redfish = build(inventory.nodes, D.Options(bmc_protocol="redfish")).config.devices[0]
    assert redfish.agent == "fence_redfish"
    assert redfish.params["systems_uri"] == "/redfish/v1/Systems/0"


@pytest.mark.parametrize("seed, suffix", [(101, ".json"), (202, ".yaml")])
def test_console_script_output_equals_tripleo_common(tmp_path, seed, suffix):
    """The whole path: file -> `tripleo-instanceha fencing generate` -> YAML file."""
    import json
    import os
    import subprocess
    import sys

    import yaml

    nodes = corpus.inventory(seed, 12)
    opts = {"delay": 20, "ipmi_level": "administrator", "ipmi_cipher": 3, "ipmi_lanplus": True}
    path = tmp_path / f"instackenv{suffix}"
    path.write_text(json.dumps({"nodes": nodes}) if suffix == ".json"
                    else yaml.safe_dump({"nodes": nodes}))
    out = tmp_path / "fencing.yaml"
    tool = os.path.join(os.path.dirname(sys.executable), "tripleo-instanceha")
    result = subprocess.run([tool, "fencing", "generate", str(path), "-o", str(out),
                             "--delay", "20", "--ipmi-level", "administrator",
                             "--ipmi-cipher", "3"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert normalise(yaml.safe_load(out.read_text())) == normalise(
        upstream_with_differences(nodes, opts))
