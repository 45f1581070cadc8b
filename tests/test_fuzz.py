"""Property tests over hostile-input classes: one parametrised case per class.

Fixed seed (derandomised) and a stated number of examples per class, so the
run is the same everywhere; a new class of input is one more entry in CLASSES.
"""
import os
import stat

import pytest
from hypothesis import HealthCheck, given, seed, settings, strategies as st

from tripleo_instanceha import fileio, yamlio
from tripleo_instanceha.errors import InputError

SEED = 20261202
EXAMPLES = 40
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

KINDS = ("regular", "fifo", "device", "directory", "missing")


def make(base, kind, size):
    path = os.path.join(base, f"{kind}-{size}")
    if os.path.lexists(path):
        return path
    if kind == "regular":
        with open(path, "wb") as handle:
            handle.write(b"x" * size)
    elif kind == "fifo":
        os.mkfifo(path)  # no writer
    elif kind == "device":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # a private /dev/zero
    elif kind == "directory":
        os.mkdir(path)
    return path


def file_kinds(tmp_path):
    @SETTINGS
    @seed(SEED)
    @given(kind=st.sampled_from(KINDS), link=st.booleans(), size=st.integers(0, 4096))
    def prop(kind, link, size):
        path = make(str(tmp_path), kind, size)
        if link:
            alias = path + ".link"
            if not os.path.lexists(alias):
                os.symlink(path, alias)
            path = alias
        try:
            data = fileio.read_bytes(path)
            assert kind == "regular" and len(data) == size
        except InputError as exc:
            assert kind != "regular" and path in str(exc)
        try:
            real = fileio.write_target(path)
            assert kind in ("regular", "missing") and os.path.dirname(real)
        except InputError as exc:
            assert kind not in ("regular", "missing") and "refusing" in str(exc)
        if kind == "device":
            assert stat.S_ISCHR(os.stat(path).st_mode)
    prop()


def sizes(tmp_path):
    @SETTINGS
    @seed(SEED)
    @given(size=st.integers(0, 3000), limit=st.integers(1, 3000))
    def prop(size, limit):
        path = make(str(tmp_path), "regular", size)
        try:
            assert len(fileio.read_bytes(path, limit)) == size <= limit
        except InputError as exc:
            assert size > limit and "larger than" in str(exc)
    prop()


def expansion(tmp_path):
    @SETTINGS
    @seed(SEED)
    @given(levels=st.integers(1, 9), width=st.integers(1, 12))
    def prop(levels, width):
        text = f"a0: &a0 [{', '.join(['x'] * width)}]\n" + "".join(
            f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]\n" for i in range(1, levels + 1))
        added, size = 0, 1 + width  # nodes each alias adds: the tree it names
        for _ in range(levels):
            added += width * size
            size = 1 + width * size
        try:
            yamlio.parse_yaml(text, "f.yaml")
            assert added <= yamlio.MAX_EXPANSION
        except InputError as exc:
            assert added > yamlio.MAX_EXPANSION and "expand to more than" in str(exc)
    prop()


def interrupts(tmp_path):
    """A set whose writing stops at any point leaves the old set or the new, never a mix
    without the incomplete mark, and never staging behind."""
    @SETTINGS
    @seed(SEED)
    @given(count=st.integers(1, 6), stop=st.integers(0, 6), exists=st.booleans())
    def prop(count, stop, exists):
        out = os.path.join(str(tmp_path), f"out-{count}-{stop}-{exists}")
        if exists and not os.path.isdir(out):
            os.mkdir(out)
        try:
            with fileio.OutputSet(out) as outputs:
                for index in range(count):
                    if index == stop:
                        raise KeyboardInterrupt
                    outputs.write(f"f{index}", "new\n", 0o644)
                outputs.commit()
        except KeyboardInterrupt:
            assert not os.path.isdir(out) or not os.path.exists(
                os.path.join(out, fileio.INCOMPLETE))
        assert not [e for e in os.listdir(str(tmp_path)) if fileio.STAGING_MARK in e]
    prop()


CLASSES = {"file-kinds": file_kinds, "sizes": sizes, "expansion": expansion,
           "interrupts": interrupts}


@pytest.mark.parametrize("name", CLASSES)
def test_class(tmp_path, name):
    CLASSES[name](tmp_path)
