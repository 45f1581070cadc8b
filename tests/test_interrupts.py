"""SIGINT/SIGTERM sent to a real child at several points; staging sets and their sweep.

Each run checks what an operator's shell sees: exit 130 (SIGINT) or 143
(SIGTERM), exactly one line on stderr, and nothing of ours left in the temp
directory, next to the output directory, in the render cache or in the output
directory itself (a first run leaves no directory; a later one leaves the
previous set as it was).
"""
import os
import signal
import subprocess
import sys
import time

import pytest

from tripleo_instanceha import fileio
from tripleo_instanceha.errors import InputError

from tests import child

EXAMPLE = os.path.join(child.ROOT, "tools", "tripleo_instanceha", "data", "example")
SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143)}


def handler_installed(pid):
    """Whether the child catches SIGTERM (Python alone does not: ours is installed)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            caught = next(line for line in handle if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def wait_for(proc, condition, bound=120.0):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited ({proc.returncode}) before the point was reached: "
                                 f"{proc.stderr.read()[-400:]}")
        if condition():
            return
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("the point was never reached (killed)")


def leftovers(*dirs):
    """Entries of ours (staging, scratch, temp files) under any of `dirs`."""
    found = []
    for top in dirs:
        for dirpath, dirnames, names in os.walk(top):
            for name in dirnames + names:
                if fileio.STAGING_MARK in name or name.endswith(".tmp") \
                        or name.startswith(("tripleo-instanceha-", "rehearse-")):
                    found.append(os.path.join(dirpath, name))
    return found


def staged(*parents, name="fencing.yaml"):
    """The point: a file `name` is staged somewhere under `parents` (not yet in place)."""
    def check():
        for parent in parents:
            for dirpath, _dirs, names in os.walk(parent):
                if name in names and os.path.basename(dirpath) != "out":
                    return True
        return False
    return check


def rendering(cache):
    """The point: the Heat check has begun rendering THT for the roles."""
    base = os.path.join(cache, "rendered")
    return lambda: os.path.isdir(base) and bool(os.listdir(base))


def rendered(cache):
    """The point: rendering is done, the engine validates the composed overcloud."""
    base = os.path.join(cache, "rendered")
    return lambda: os.path.isdir(base) and any(
        os.path.isfile(os.path.join(base, e, "overcloud.yaml")) for e in os.listdir(base))


@pytest.fixture(scope="module")
def tht18():
    from tripleo_instanceha import tht
    return tht.fetch("18.0.0")


@pytest.mark.parametrize("point, name", [
    ("start-up", "SIGINT"), ("start-up", "SIGTERM"), ("staging", "SIGINT"),
    ("staging", "SIGTERM"), ("heat-render", "SIGINT"), ("heat-engine", "SIGTERM")])
def test_prepare_interrupted_ends_with_one_line_and_leaves_nothing(tmp_path, tht18, point,
                                                                   name):
    signum, expected = SIGNALS[name]
    tmp, cache, work = tmp_path / "tmp", tmp_path / "cache", tmp_path / "work"
    for path in (tmp, cache, work):
        path.mkdir()
    out = work / "out"
    proc = child.start(["prepare", "--templates", tht18, "--nodes",
                        os.path.join(EXAMPLE, "instackenv.json"), "--skip-rehearsal",
                        "--output-dir", str(out)],
                       child.child_env(str(tmp), {"TRIPLEO_INSTANCEHA_CACHE": str(cache)}))
    condition = {"start-up": lambda: handler_installed(proc.pid),
                 "staging": staged(str(work), str(tmp)),
                 "heat-render": rendering(str(cache)),
                 "heat-engine": rendered(str(cache))}[point]
    wait_for(proc, condition)
    if point == "heat-engine":
        time.sleep(1.0)  # well inside the engine's validation of the composed overcloud
    proc.send_signal(signum)
    result = child.finish(proc)
    assert result.code == expected, result.stderr
    assert result.stderr.splitlines() == [
        f"error: interrupted ({name}): stopped; nothing was half-written and no temporary "
        "file was left"], result.stderr
    assert not out.exists()
    assert leftovers(str(tmp), str(work), str(cache)) == []
    assert os.listdir(tmp) == []


@pytest.mark.parametrize("name", SIGNALS)
def test_rehearse_output_dir_interrupted_keeps_the_previous_set(tmp_path, name):
    signum, expected = SIGNALS[name]
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "cib.xml").write_text("previous run\n")
    proc = child.start(["rehearse", "--example", "--output-dir", str(out)],
                       child.child_env(str(tmp)))
    wait_for(proc, staged(str(tmp_path), name="cib.xml"))
    proc.send_signal(signum)
    result = child.finish(proc)
    assert result.code == expected and len(result.stderr.splitlines()) == 1, result.stderr
    assert os.listdir(out) == ["cib.xml"] and (out / "cib.xml").read_text() == "previous run\n"
    assert leftovers(str(tmp_path)) == []


def dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def stamp(path, pid, start=""):
    os.mkdir(path, 0o700)
    with open(os.path.join(path, fileio.STAGING_MARK), "w", encoding="ascii") as handle:
        handle.write(f"tripleo-instanceha staging v1\npid={pid}\nstart={start}\n")
    return path


def test_sigkill_leftovers_are_swept_at_the_next_start_and_nothing_else(tmp_path):
    mark = fileio.STAGING_MARK
    dead = stamp(str(tmp_path / f".out{mark}-dead"), dead_pid(), "1")
    live = fileio.private_dir(str(tmp_path), "out")  # this process: still running
    other = tmp_path / f".out{mark}-unstamped"
    other.mkdir()
    (other / "keep").write_text("not ours")
    wrong = tmp_path / f".out{mark}-wrong"
    wrong.mkdir()
    (wrong / mark).write_text("something else\npid=1\nstart=\n")
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / mark).write_text("tripleo-instanceha staging v1\npid=1\nstart=1\n")
    os.symlink(target, tmp_path / f".out{mark}-link")
    plain = tmp_path / "plain-dir"
    plain.mkdir()
    result = child.run("--version", tmpdir=str(tmp_path))
    assert result.code == 0, result.stderr
    left = sorted(os.listdir(tmp_path))
    assert os.path.basename(dead) not in left
    assert {os.path.basename(live), other.name, wrong.name, f".out{mark}-link", "elsewhere",
            "plain-dir"} <= set(left)
    assert (target / mark).exists()
    fileio.remove_private(live)


def test_a_sigkilled_prepare_staging_is_swept_by_the_next_run(tmp_path, tht18):
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    argv = ["prepare", "--templates", tht18, "--nodes", os.path.join(EXAMPLE, "instackenv.json"),
            "--skip-rehearsal", "--skip-heat-check", "--output-dir", str(out)]
    proc = child.start(argv, child.child_env(str(tmp_path)))
    wait_for(proc, staged(str(work)))
    proc.kill()
    proc.communicate()
    assert [e for e in os.listdir(work) if fileio.STAGING_MARK in e]  # what SIGKILL leaves
    result = child.run(*argv, tmpdir=str(tmp_path))
    assert result.code == 0, result.stderr
    assert os.listdir(work) == ["out"]


def test_a_set_cut_short_is_marked_incomplete(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.yaml").write_text("old a\n")
    (out / "b.yaml").mkdir()  # in the way of the second file: the commit stops there
    with pytest.raises(InputError, match="is a directory"):
        with fileio.OutputSet(str(out)) as outputs:
            outputs.write("a.yaml", "new a\n", 0o644)
            outputs.write("b.yaml", "new b\n", 0o644)
            outputs.commit()
    assert (out / "a.yaml").read_text() == "new a\n"
    assert "interrupted" in (out / fileio.INCOMPLETE).read_text()
    assert leftovers(str(tmp_path)) == []


def test_a_new_set_appears_whole_and_an_unchanged_file_keeps_its_mtime(tmp_path):
    out = tmp_path / "out"
    with fileio.OutputSet(str(out)) as outputs:
        outputs.write("secret.yaml", "pw\n", 0o600)
        outputs.write("sub/b.yaml", "b\n", 0o644)
        assert not out.exists()
        assert sorted(outputs.commit()) == ["secret.yaml", "sub/b.yaml"]
    assert sorted(os.listdir(out)) == ["secret.yaml", "sub"]
    assert oct(os.stat(out).st_mode & 0o777) == "0o755"
    assert oct(os.stat(out / "secret.yaml").st_mode & 0o777) == "0o600"
    mtime = os.stat(out / "sub" / "b.yaml").st_mtime_ns
    with fileio.OutputSet(str(out)) as outputs:
        outputs.write("sub/b.yaml", "b\n", 0o644)
        outputs.write("secret.yaml", "pw2\n", 0o600)
        assert outputs.commit() == ["secret.yaml"] and outputs.unchanged == ["sub/b.yaml"]
    assert os.stat(out / "sub" / "b.yaml").st_mtime_ns == mtime
    assert not (out / fileio.INCOMPLETE).exists() and leftovers(str(tmp_path)) == []


def test_the_window_before_the_handler_is_only_the_interpreter_start(tmp_path):
    """The handler exists before cliff (or anything heavy) is imported."""
    code = ("import sys, signal; from tripleo_instanceha.cli import app; "
            "print(sorted(m for m in sys.modules if m.startswith(('cliff', 'yaml', 'heat'))))")
    result = subprocess.run([sys.executable, "-c", code], env=child.child_env(str(tmp_path)),
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
