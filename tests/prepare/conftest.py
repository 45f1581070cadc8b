"""Inventories of any size and real THT releases for the prepare tests."""
import json
import os

import pytest

from tripleo_instanceha import tht
from tripleo_instanceha.cli.app import main

#: The release the demo targets, and an older one (Wallaby) with Heat-created servers.
RELEASES = ("18.0.0", "14.3.0")


def inventory(count: int, controllers: int = 3, plain: int = 0) -> dict:
    """`count` nodes: controllers, then Instance HA computes, then `plain` unprotected ones."""
    nodes = []
    for index in range(count):
        if index < controllers:
            name, profile = f"controller-{index}", "control"
        elif index >= count - plain:
            name, profile = f"compute-{index}", "compute"
        else:
            name = f"compute-iha-{index}"
            profile = "computeinstanceha" if plain else "compute"
        node = {"name": name, "pm_user": "admin", "pm_password": "secret-bmc-pw",
                "pm_addr": f"10.{index // 250}.{index % 250}.10",
                "ports": [{"address": "52:54:00:%02x:%02x:01" % (index // 256, index % 256)}],
                "capabilities": f"profile:{profile},boot_option:local"}
        if index % 2:
            node.update(pm_type="redfish", pm_system_id=f"/redfish/v1/Systems/{index}")
        else:
            node["pm_type"] = "ipmi"
        nodes.append(node)
    return {"nodes": nodes}


@pytest.fixture
def write_inventory(tmp_path):
    def write(count: int, name: str = "instackenv.json", **kwargs) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(inventory(count, **kwargs), indent=1))
        return str(path)
    return write


@pytest.fixture(scope="session")
def tht18() -> str:
    return tht.fetch("18.0.0")


@pytest.fixture
def run(capsys):
    """The console script's main() in-process: (exit code, stdout, stderr)."""
    def call(*argv: str):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return call


def listing(directory: str) -> dict:
    """relative path -> (bytes, mtime) of every file under `directory`."""
    found = {}
    for dirpath, _dirs, files in os.walk(directory):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, directory)] = (handle.read(),
                                                           os.stat(path).st_mtime_ns)
    return found
