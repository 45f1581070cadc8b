"""The one read path and the one write path every command goes through.

Why one place: operators run these tools as root on an undercloud, where a
mistyped ``-o /dev/null`` or an inventory path that is a FIFO must not replace
a device node or hang the command.  Reads accept regular files and pipes that
have a writer (``--nodes <(jq ...)``), always bounded; writes accept only a
regular file (or a symlink to one, written through: the link stays, its target
is replaced atomically) in an existing directory.  Every OS error becomes one
`InputError` naming the file and the fix.
"""
from __future__ import annotations

import contextlib
import errno
import os
import select
import shutil
import signal
import stat
import tempfile
import time
from typing import Iterator, List, Optional, Tuple

from tripleo_instanceha.errors import InputError

#: Files larger than this are refused (an inventory of 10,000 nodes is about 5 MiB).
MAX_BYTES = 64 * 1024 * 1024
#: A pipe that sends nothing for this long is given up on (its writer is stuck).
PIPE_IDLE_SECONDS = 30.0

_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISDIR, "a directory"))

#: errno -> (what happened, what to do)
_WRITE_ERRORS = {
    errno.EROFS: ("the file system is read-only", "write to a writable file system"),
    errno.ENOSPC: ("no space left on the device", "free some space or choose another disk"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or choose another disk"),
    errno.EACCES: ("permission denied", "choose a path this user may write"),
    errno.EPERM: ("operation not permitted", "choose a path this user may write"),
    errno.ENOTDIR: ("a part of its directory path is not a directory", "check the path"),
    errno.ENOENT: ("its directory does not exist", "create the directory first"),
    errno.ENAMETOOLONG: ("the path is too long", "choose a shorter path"),
}


def kind_of(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def write_error(path: str, exc: OSError) -> InputError:
    """One message for an OS error while writing *path*."""
    default = (f"cannot write: {exc.strerror}", "check the path and the disk")
    what, fix = _WRITE_ERRORS.get(exc.errno, default)
    return InputError.single(path, what, fix=fix)


def write_target(path: str) -> str:
    """The regular file a write to *path* replaces, or InputError saying why not.

    A symlink is followed (the operator pointed it somewhere on purpose); what it
    points to must be a regular file, or not exist yet in an existing directory.
    """
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise write_error(path, exc) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        via = "" if real == os.path.abspath(path) else f" (through the link to {real})"
        raise InputError.single(path, f"is {kind_of(st.st_mode)}{via}, not a regular file; "
                                "refusing to replace it",
                                fix="name a regular file, e.g. out/fencing.yaml")
    parent = os.path.dirname(real) or "."
    try:
        pst = os.stat(parent)
    except FileNotFoundError:
        raise InputError.single(path, f"its directory {parent} does not exist",
                                fix="create the directory first") from None
    except OSError as exc:
        raise write_error(path, exc) from None
    if not stat.S_ISDIR(pst.st_mode):
        raise InputError.single(path, f"its parent {parent} is not a directory",
                                fix="check the path")
    return real


def atomic_write(path: str, text: str, mode: int = 0o600) -> None:
    """Write *text* to *path* atomically with *mode* (0600 by default: may hold secrets).

    The file is created beside the target under a temporary name, chmod-ed
    before any byte is written, fsync-ed, then renamed over the target, so a
    reader sees either the old file or the complete new one, and a failure
    leaves the old one untouched with no temporary file behind.
    """
    real = write_target(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=os.path.dirname(real))
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, real)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise write_error(path, exc) from None
        raise


def read_bytes(path: str, limit: int = MAX_BYTES) -> bytes:
    """Read at most *limit* bytes of a regular file or a pipe that has a writer.

    The file is opened non-blocking first: a plain open of a FIFO with no
    writer blocks before anything can be checked.  Devices, sockets and
    directories are refused; a file that keeps growing past *limit* (``/dev/zero``
    behind a link, ``/proc`` files whose size says 0) is cut off and refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        raise InputError.single(path, "no such file", fix="check the path") from None
    except IsADirectoryError:
        raise InputError.single(path, "is a directory, not a file",
                                fix="pass the file inside it") from None
    except PermissionError:
        raise InputError.single(path, "permission denied",
                                fix="make it readable by this user") from None
    except OSError as exc:
        raise InputError.single(path, f"cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            if st.st_size > limit:
                raise _too_big(path, limit)
            os.set_blocking(fd, True)
            data = _read_upto(fd, limit + 1)
        elif stat.S_ISFIFO(st.st_mode):
            data = _read_pipe(path, fd, limit + 1)
        else:
            raise InputError.single(path, f"is {kind_of(st.st_mode)}, not a regular file",
                                    fix="pass the file itself")
    except OSError as exc:
        raise InputError.single(path, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise _too_big(path, limit)
    return data


def _too_big(path: str, limit: int) -> InputError:
    return InputError.single(path, f"is larger than {limit} bytes", fix="pass the right file")


def _read_upto(fd: int, size: int) -> bytes:
    chunks, total = [], 0
    while total < size:
        chunk = os.read(fd, min(1 << 20, size - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _read_pipe(path: str, fd: int, size: int) -> bytes:
    """A pipe's bytes until its writer closes it; EOF at once when it has no writer.

    Reads come first and select() only after EAGAIN: Linux does not report a
    named pipe that never had a writer as readable, but a read returns EOF.
    """
    chunks, total = [], 0
    idle_since = time.monotonic()
    while total < size:
        try:
            chunk = os.read(fd, min(1 << 20, size - total))
        except BlockingIOError:
            if time.monotonic() - idle_since > PIPE_IDLE_SECONDS:
                raise InputError.single(path, f"the pipe sent nothing for "
                                        f"{PIPE_IDLE_SECONDS:.0f} s",
                                        fix="check the command that writes to it") from None
            select.select([fd], [], [], 1.0)
            continue
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        idle_since = time.monotonic()
    if not chunks:
        raise InputError.single(path, "is a pipe with no writer (nothing to read)",
                                fix="pass the file itself, or start the command "
                                    "that writes to the pipe")
    return b"".join(chunks)


# -- private directories: staging of output sets, temporary work ------------------

#: In the name of every directory the tools create for staging or scratch work,
#: and the name of the stamp file inside it; the sweep recognises ours by both.
STAGING_MARK = ".tripleo-instanceha-staging"
_STAMP_MAGIC = "tripleo-instanceha staging v1"
#: Left in an output directory while its files are being replaced one by one.
INCOMPLETE = ".tripleo-instanceha-incomplete"
_INCOMPLETE_TEXT = ("This set of files was being replaced when the command was interrupted:\n"
                    "some files are new, some old. Run the command again before using them.\n")

#: Directories this process created and has not removed yet (removed on an interrupt).
_live: set = set()


def _start_time(pid: int) -> Optional[str]:
    """The kernel's start time of `pid` (field 22 of /proc/PID/stat), None if gone.

    Why with the pid: a pid alone may have been reused by an unrelated
    process since the stamp was written; pid and start time together may not.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = data.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def private_dir(parent: Optional[str] = None, label: str = "work") -> str:
    """A new 0700 directory in `parent` (the temp directory by default), stamped as ours.

    The stamp (pid and process start time) is what lets :func:`sweep` remove it
    after a SIGKILL or an OOM kill, and only then: never while this process
    lives, never a directory some other user or program made.
    """
    parent = parent or tempfile.gettempdir()
    try:
        path = tempfile.mkdtemp(prefix=f".{label}{STAGING_MARK}-", dir=parent)
        _live.add(path)
        fd = os.open(os.path.join(path, STAGING_MARK),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(f"{_STAMP_MAGIC}\npid={os.getpid()}\n"
                         f"start={_start_time(os.getpid()) or ''}\n")
    except OSError as exc:
        raise write_error(parent, exc) from None
    return path


def remove_private(path: str) -> None:
    """Remove a directory made by :func:`private_dir` (no error if already gone)."""
    shutil.rmtree(path, ignore_errors=True)
    _live.discard(path)


def remove_all_private() -> None:
    """Remove every private directory this process still has (the interrupt path)."""
    for path in sorted(_live):
        remove_private(path)


@contextlib.contextmanager
def private_tempdir(label: str = "work", parent: Optional[str] = None) -> Iterator[str]:
    """:func:`private_dir` for the duration of a block, removed however it ends."""
    path = private_dir(parent, label)
    try:
        yield path
    finally:
        remove_private(path)


def _stamp_owner(path: str) -> Optional[Tuple[int, str]]:
    """(pid, start time) of a stamped directory of ours, None if it is not one."""
    try:
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            return None
        stamp = os.path.join(path, STAGING_MARK)
        sst = os.lstat(stamp)
        if not stat.S_ISREG(sst.st_mode) or sst.st_size > 512 or sst.st_uid != os.geteuid():
            return None
        with open(stamp, encoding="ascii", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    if len(lines) != 3 or lines[0] != _STAMP_MAGIC or not lines[1].startswith("pid=") \
            or not lines[2].startswith("start="):
        return None
    try:
        return int(lines[1][4:]), lines[2][6:]
    except ValueError:
        return None


def sweep(parent: Optional[str] = None) -> List[str]:
    """Remove the private directories in `parent` whose process is gone; return them.

    Recognised safely: the name carries STAGING_MARK, it is a real directory
    (not a link) owned by this user, it holds our stamp file, and the stamped
    process (pid *and* start time) no longer runs. Anything else is left alone.
    """
    parent = parent or tempfile.gettempdir()
    removed: List[str] = []
    try:
        names = [n for n in os.listdir(parent) if STAGING_MARK + "-" in n and n.startswith(".")]
    except OSError:
        return removed
    for name in names:
        path = os.path.join(parent, name)
        owner = _stamp_owner(path)
        if owner is None:
            continue
        pid, started = owner
        if pid == os.getpid() or (started and _start_time(pid) == started):
            continue  # still running (this process, or another run in progress)
        if not started and _start_time(pid) is not None:
            continue  # no start time recorded and the pid lives: keep it
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for a short critical section (they are delivered after it)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class OutputSet:
    """A directory of outputs written as a set: staged, checked, then put in place.

    Files are written into a 0700 staging directory next to the target (same
    file system, so renames are atomic). :meth:`commit` then renames the
    staging directory to the target when the target does not exist yet (all
    or nothing); otherwise it moves the changed files into the target, with
    INCOMPLETE present in the target the whole time, so a set cut short by a
    SIGKILL is marked as such (SIGINT/SIGTERM are held for those renames).
    A set never committed is removed; one a SIGKILL left behind is swept at
    the next start. Identical files are left alone (no new mtime).
    """

    def __init__(self, target: str, dir_mode: int = 0o755):
        self.target = os.path.realpath(target)
        self.display = target
        self.dir_mode = dir_mode
        if os.path.lexists(self.target) and not os.path.isdir(self.target):
            raise InputError.single(target, "exists and is not a directory",
                                    fix="choose another output directory")
        parent = os.path.dirname(self.target)
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise write_error(target, exc) from None
        sweep(parent)
        self.staging = private_dir(parent, os.path.basename(self.target))
        self.committed: List[str] = []
        self.unchanged: List[str] = []

    def path(self, name: str) -> str:
        """Where `name` (a relative path) is staged."""
        return os.path.join(self.staging, name)

    def write(self, name: str, text: str, mode: int = 0o600) -> str:
        path = self.path(name)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        except OSError as exc:
            raise write_error(path, exc) from None
        atomic_write(path, text, mode)
        return path

    def _staged_files(self) -> List[str]:
        found = []
        for dirpath, dirs, files in os.walk(self.staging):
            dirs.sort()
            for name in sorted(files):
                rel = os.path.relpath(os.path.join(dirpath, name), self.staging)
                if rel != STAGING_MARK:
                    found.append(rel)
        return found

    def commit(self) -> List[str]:
        """Put the staged files in place; return the names written (changed or new)."""
        names = self._staged_files()
        with signals_deferred():
            try:
                if not os.path.lexists(self.target):
                    os.unlink(os.path.join(self.staging, STAGING_MARK))
                    os.chmod(self.staging, self.dir_mode)
                    os.rename(self.staging, self.target)
                    _live.discard(self.staging)
                    self.committed = names
                    return names
                marker = os.path.join(self.target, INCOMPLETE)
                atomic_write(marker, _INCOMPLETE_TEXT, 0o644)
                for name in names:
                    staged, final = self.path(name), os.path.join(self.target, name)
                    if _same_file_content(staged, final):
                        self.unchanged.append(name)
                        continue
                    _replaceable(final)
                    os.makedirs(os.path.dirname(final), exist_ok=True)
                    os.replace(staged, final)
                    self.committed.append(name)
                os.unlink(marker)
            except OSError as exc:
                raise write_error(self.display, exc) from None
        remove_private(self.staging)
        return self.committed

    def discard(self) -> None:
        remove_private(self.staging)

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, *exc_info) -> None:
        if os.path.isdir(self.staging):
            self.discard()


def _replaceable(path: str) -> None:
    """In a set, a name is replaced (a link too: the link, not what it points to),
    but never a directory or a device that happens to sit there."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        raise InputError.single(path, f"is {kind_of(st.st_mode)}, not a regular file; "
                                "refusing to replace it", fix="move it out of the way")


def _same_file_content(staged: str, final: str) -> bool:
    """Same bytes and mode, and `final` a regular file (a link is replaced by the file)."""
    try:
        fst = os.lstat(final)
        if not stat.S_ISREG(fst.st_mode):
            return False
        sst = os.stat(staged)
        if stat.S_IMODE(sst.st_mode) != stat.S_IMODE(fst.st_mode) or sst.st_size != fst.st_size:
            return False
        with open(staged, "rb") as one, open(final, "rb") as two:
            return one.read() == two.read()
    except OSError:
        return False
