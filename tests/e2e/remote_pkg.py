"""pacemaker-remoted for the compute nodes, without installing pacemaker-remote.

Why: Debian's pacemaker-remote package conflicts with pacemaker (the
controllers need that one), although the two share no file.  The remote daemon
only needs the libraries pacemaker already installed, so the harness downloads
the package matching the installed pacemaker and unpacks it into the cache.
"""
from __future__ import annotations

import glob
import os
import subprocess

from tripleo_instanceha.paths import cache_dir


class RemotedUnavailable(RuntimeError):
    """pacemaker-remoted could not be fetched (no network, no apt source)."""


def _installed_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                         capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout:
        raise RemotedUnavailable("%s is not installed (fix: tools/setup-env.sh e2e)" % package)
    return out.stdout


def pacemaker_remoted() -> str:
    """Path of a pacemaker-remoted binary matching the installed pacemaker."""
    version = _installed_version("pacemaker")
    base = os.path.join(cache_dir(), "pacemaker-remote", version.replace(":", "_"))
    binary = os.path.join(base, "root", "usr", "sbin", "pacemaker-remoted")
    if os.access(binary, os.X_OK):
        return binary
    os.makedirs(base, exist_ok=True)
    spec = "pacemaker-remote=%s" % version
    cmd = ["apt-get", "download", "-q", spec]
    got = subprocess.run(cmd, cwd=base, capture_output=True, text=True)
    if got.returncode != 0:  # a fresh machine may have empty package lists
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
        got = subprocess.run(cmd, cwd=base, capture_output=True, text=True)
    debs = glob.glob(os.path.join(base, "pacemaker-remote_*.deb"))
    if got.returncode != 0 or not debs:
        raise RemotedUnavailable("apt-get download %s failed: %s" % (spec, got.stderr.strip()))
    subprocess.run(["dpkg-deb", "-x", debs[0], os.path.join(base, "root")], check=True)
    return binary
