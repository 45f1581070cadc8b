"""SIGINT and SIGTERM: one line, exit 130 / 143, nothing half-written, nothing left.

Why a handler of our own: Python's default turns SIGINT into a traceback and
SIGTERM into an immediate death that skips every ``finally`` (so staging and
temporary directories, BMC passwords included, stay behind). The handler
raises :class:`Interrupted` instead, which unwinds through the ``finally``
blocks of fileio's private directories and output sets; the command line
edge prints one line and exits 128 + the signal number. A second signal while
unwinding is ignored, so cleanup runs to the end.

The window before the handler exists is the interpreter's own start and the
import of ``tripleo_instanceha.cli.app`` (which imports nothing heavy at
module level); it is measured by tests/bench/bench_interrupts.py. In it no file
of ours exists yet, so a signal there leaves nothing behind either.
"""
from __future__ import annotations

import signal
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM)
NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}

_received: "int | None" = None  # (no typing import: it is in the window)
#: Whether a command is running (Interrupted is raised) or has returned (exit at once).
_armed = False


class Interrupted(BaseException):
    """Raised in the main thread by the handler (a BaseException: no ``except Exception``
    of ours or of a library swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def line(self) -> str:
        return (f"interrupted ({NAMES.get(self.signum, self.signum)}): stopped; nothing "
                "was half-written and no temporary file was left")


def _handler(signum: int, frame) -> None:
    global _received
    if _received is not None:
        return  # already unwinding: let the cleanup finish
    _received = signum
    if not _armed:  # the command has returned: nothing of ours is open any more
        sys.stderr.write(f"error: {Interrupted(signum).line()}\n")
        raise SystemExit(128 + signum)
    raise Interrupted(signum)


def install() -> None:
    """Install the handler for SIGINT and SIGTERM and arm it (idempotent).

    Only the main thread may install signal handlers; elsewhere (a host that
    runs the command in a thread) the host's handling stays.
    """
    global _armed
    try:
        for signum in SIGNALS:
            if signal.getsignal(signum) is not _handler:
                signal.signal(signum, _handler)
    except ValueError:  # not the main thread (threading is not imported: it is in the window)
        return
    _armed = True


def disarm() -> None:
    """The command returned: a later signal exits at once; a handled one is forgotten
    (for a process that runs several commands, e.g. tests)."""
    global _armed, _received
    _armed = False
    _received = None
