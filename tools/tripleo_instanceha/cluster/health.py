"""One status run: read the cluster (live or a saved CIB), judge it, write the metrics.

Why the metrics are written even when the cluster could not be read: a
textfile left from the last good run would keep saying "protected" to the
monitoring; ``tripleo_instanceha_status_up 0`` says the check itself failed
(the cluster or Nova, when asked, could not be read).
"""
from __future__ import annotations

from typing import Callable, Optional, Tuple

from tripleo_instanceha import fileio
from tripleo_instanceha.cluster import metrics, status
from tripleo_instanceha.cluster.protection import Assessment
from tripleo_instanceha.errors import InputError, InstanceHAError


def check_target(prometheus: str) -> None:
    """A bad ``--prometheus`` path fails before any cluster or Nova call."""
    try:
        fileio.write_target(prometheus)
    except InputError as exc:
        raise InputError([p.__class__(p.source, p.message, p.fix, p.field or "--prometheus",
                                      p.line) for p in exc.problems]) from None


def check(cib: Optional[str] = None, prometheus: Optional[str] = None,
          nova: Optional[Callable[[Assessment], object]] = None) -> Tuple[Assessment, object]:
    """The assessment of the saved CIB *cib*, or of the live cluster when it is None, and
    what *nova* (called with it) judged of Nova; the metrics hold both."""
    if prometheus:
        check_target(prometheus)
    try:
        snapshot = status.read_file(cib) if cib else status.read_live()
    except InstanceHAError:
        if prometheus:
            metrics.write(prometheus, None)
        raise
    assessment = Assessment(snapshot)
    try:
        judged = nova(assessment) if nova is not None else None
    except InstanceHAError:
        if prometheus:
            metrics.write(prometheus, None)
        raise
    if prometheus:
        metrics.write(prometheus, assessment, nova=judged)
    return assessment, judged
