"""One status run: read the cluster (live or a saved CIB), judge it, write the metrics.

Why the metrics are written even when the cluster could not be read: a
textfile left from the last good run would keep saying "protected" to the
monitoring; ``tripleo_instanceha_status_up 0`` says the check itself failed.
"""
from __future__ import annotations

from typing import Optional

from tripleo_instanceha import fileio
from tripleo_instanceha.cluster import metrics, status
from tripleo_instanceha.cluster.protection import Assessment
from tripleo_instanceha.errors import InputError, InstanceHAError


def check(cib: Optional[str] = None, prometheus: Optional[str] = None) -> Assessment:
    """The assessment of the saved CIB *cib*, or of the live cluster when it is None."""
    if prometheus:
        try:
            fileio.write_target(prometheus)  # a bad path fails before any cluster call
        except InputError as exc:
            raise InputError([p.__class__(p.source, p.message, p.fix, p.field or "--prometheus",
                                          p.line) for p in exc.problems]) from None
    try:
        snapshot = status.read_file(cib) if cib else status.read_live()
    except InstanceHAError:
        if prometheus:
            metrics.write(prometheus, None)
        raise
    assessment = Assessment(snapshot)
    if prometheus:
        metrics.write(prometheus, assessment)
    return assessment
