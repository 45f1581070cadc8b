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

import errno
import os
import select
import stat
import tempfile
import time

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
