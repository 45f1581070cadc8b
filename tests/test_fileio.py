"""The one read path and the one write path, with odd files (issue: hostile input).

Device nodes are private ones made in the test's directory (never the machine's
/dev/null), with the same device numbers as /dev/null and /dev/zero.
"""
from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading

import pytest

from tripleo_instanceha import fileio
from tripleo_instanceha.errors import InputError
from tripleo_instanceha.paths import EXAMPLE_DIR

TOOL = os.path.join(os.path.dirname(sys.executable), "tripleo-instanceha")
EXAMPLE = os.path.join(EXAMPLE_DIR, "instackenv.json")
NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root; CI runs as root")


def _device(path, minor):
    os.mknod(str(path), 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return str(path)


def _run(*args, timeout=60):
    return subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=timeout)


@NEEDS_ROOT
@pytest.mark.parametrize("command", [
    ["fencing", "generate", EXAMPLE, "-o"],
    ["fencing", "generate", EXAMPLE, "-o", "{ok}", "--infra-operator"],
    ["roles", "generate", "--templates", "{tht}", "-o"],
])
def test_a_device_node_given_as_output_survives(tmp_path, command):
    null = _device(tmp_path / "null", 3)
    tht = tmp_path / "tht"
    (tht / "roles").mkdir(parents=True)
    (tht / "roles" / "Compute.yaml").write_text(
        "- name: Compute\n  CountDefault: 1\n  ServicesDefault:\n"
        "    - OS::TripleO::Services::NovaCompute\n")
    args = [a.replace("{ok}", str(tmp_path / "ok.yaml")).replace("{tht}", str(tht))
            for a in command] + [null]
    result = _run(*args)
    assert result.returncode == 2, result.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert "character device" in result.stderr and null in result.stderr
    assert "Traceback" not in result.stderr


def test_a_fifo_or_directory_is_never_replaced(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target, kind in ((fifo, "named pipe"), (tmp_path, "directory")):
        with pytest.raises(InputError, match=kind):
            fileio.atomic_write(str(target), "secret")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@NEEDS_ROOT
def test_a_symlink_is_written_through_unless_it_points_at_a_device(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    fileio.atomic_write(str(link), "new")
    assert os.path.islink(link) and real.read_text() == "new"
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    dev_link = tmp_path / "dev.yaml"
    dev_link.symlink_to(_device(tmp_path / "null", 3))
    with pytest.raises(InputError, match="through the link"):
        fileio.atomic_write(str(dev_link), "secret")


def test_a_parent_that_is_a_file_is_named(tmp_path):
    parent = tmp_path / "file"
    parent.write_text("")
    with pytest.raises(InputError, match="not a directory"):
        fileio.atomic_write(str(parent / "out.yaml"), "x")


@pytest.mark.parametrize("code,words", [(errno.EROFS, "read-only"),
                                        (errno.ENOSPC, "no space left"),
                                        (errno.EACCES, "permission denied")])
def test_os_errors_while_writing_name_the_file_and_leave_nothing(tmp_path, monkeypatch, code,
                                                                 words):
    target = tmp_path / "fencing.yaml"
    target.write_text("old")

    def fail(*_):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fileio.os, "replace", fail)
    with pytest.raises(InputError) as caught:
        fileio.atomic_write(str(target), "new secret")
    assert str(target) in str(caught.value) and words in str(caught.value)
    assert "fix:" in str(caught.value)
    assert sorted(os.listdir(tmp_path)) == ["fencing.yaml"] and target.read_text() == "old"


def test_a_fifo_without_a_writer_does_not_hang_the_command(tmp_path):
    fifo = tmp_path / "nodes.json"
    os.mkfifo(fifo)
    result = _run("fencing", "generate", str(fifo), "-o", str(tmp_path / "f.yaml"), timeout=30)
    assert result.returncode == 2
    assert "no writer" in result.stderr and "Traceback" not in result.stderr


def test_a_pipe_with_a_writer_is_read(tmp_path):
    fifo = str(tmp_path / "nodes")
    os.mkfifo(fifo)
    payload = b"x" * 300000

    held = os.open(fifo, os.O_RDWR)   # the writer exists before the reader opens

    def writer():
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(held, view[:65536]):]
        finally:
            os.close(held)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert fileio.read_bytes(fifo) == payload
    finally:
        thread.join(10)


def test_process_substitution_as_inventory_works(tmp_path):
    out = tmp_path / "f.yaml"
    result = subprocess.run(["bash", "-c", '"$0" fencing generate <(cat "$1") -o "$2"',
                             TOOL, EXAMPLE, str(out)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert out.exists()


@NEEDS_ROOT
def test_devices_are_refused_as_input_even_behind_a_link(tmp_path):
    zero = _device(tmp_path / "zero", 5)
    link = tmp_path / "nodes.json"
    link.symlink_to(zero)
    for path in (zero, str(link)):
        with pytest.raises(InputError, match="character device"):
            fileio.read_bytes(path)


def test_reads_are_bounded_whatever_the_size_says(tmp_path):
    big = tmp_path / "big"
    big.write_bytes(b"a" * 1000)
    with pytest.raises(InputError, match="larger than 999 bytes"):
        fileio.read_bytes(str(big), limit=999)
    assert fileio.read_bytes(str(big), limit=1000) == b"a" * 1000
    # /proc files report size 0 and are read through the same bound
    with pytest.raises(InputError, match="larger than 10 bytes"):
        fileio.read_bytes("/proc/self/status", limit=10)
