"""`fencing generate`'s outputs go through fileio.write_target before any generation work."""
import os
import stat

import pytest

from tripleo_instanceha.cli import app


def run(capsys, *argv):
    code = app.main(["fencing", "generate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def device(tmp_path):
    """A private character device (the numbers of /dev/null), never the real one."""
    path = tmp_path / "null"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return str(path)


@pytest.mark.parametrize("option", ["-o", "--infra-operator"])
def test_a_device_target_is_refused_before_the_inventory_is_even_read(tmp_path, capsys,
                                                                      device, option):
    """Before: the broken inventory was reported (generation ran first), the device later."""
    inventory = tmp_path / "broken.json"
    inventory.write_text("{ not json")
    other = ["-o", str(tmp_path / "f.yaml")] if option != "-o" else []
    code, _, err = run(capsys, str(inventory), option, device, *other)
    option_name = "--output" if option == "-o" else option
    assert code == 2
    assert err.splitlines() == [
        f"error: {device}: {option_name}: is a character device, not a regular file; refusing "
        "to replace it (fix: name a regular file, e.g. out/fencing.yaml)"]
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_link_to_a_device_is_refused_naming_the_link(tmp_path, capsys, device):
    link = tmp_path / "out.yaml"
    os.symlink(device, link)
    inventory = tmp_path / "broken.json"
    inventory.write_text("{ not json")
    code, _, err = run(capsys, str(inventory), "-o", str(link))
    assert code == 2 and f"through the link to {device}" in err
    assert os.path.islink(link) and stat.S_ISCHR(os.lstat(device).st_mode)
