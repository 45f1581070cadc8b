"""Download a tripleo-heat-templates sdist once and keep the extracted tree.

Why the sdist: the THT wheel holds metadata only; the sdist carries the whole
template tree and THT's tools. Older sdists (<= 17.x) cannot build their
metadata with a current setuptools, so pip gets a ``setuptools<60``
constraint, for the build environment too (pip >= 25 reads build constraints
separately). The tree is extracted into a temporary directory and renamed into
place, so concurrent callers never see half a tree.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from typing import Optional

from tripleo_instanceha.errors import InstanceHAError
from tripleo_instanceha.paths import cache_dir

#: The releases the project is tested against, by TripleO release name.
RELEASES = {
    "queens": "8.4.1",
    "train": "11.6.0",
    "wallaby": "14.3.0",
    "master": "18.0.0",
}

PROJECT = "tripleo-heat-templates"


class THTFetchError(InstanceHAError):
    """The THT sdist could not be downloaded or unpacked."""


def tree_dir(version: str, cache: Optional[str] = None) -> str:
    """Where the extracted tree of `version` lives in the cache."""
    return os.path.join(cache or cache_dir(), "tht", f"{PROJECT}-{version}")


#: A release number pip can ask the index for: 18.0.0, 17.1, 14.3.0rc1 (nothing that
#: could name a path or a pip option).
_VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+){0,3}((a|b|rc)[0-9]+)?$")


def _known() -> str:
    return ", ".join(f"{number} ({name})" for name, number in RELEASES.items())


def _fix() -> str:
    return (f"use a release known to work: {_known()}; or pass --templates THT_DIR; "
            f"offline, set TRIPLEO_INSTANCEHA_CACHE to a cache holding tht/{PROJECT}-VERSION")


def _log_path(version: str, cache: Optional[str]) -> str:
    return os.path.join(cache or cache_dir(), "logs", f"pip-download-{PROJECT}-{version}.log")


def _download(version: str, dest: str, cache: Optional[str] = None) -> str:
    constraint = os.path.join(dest, "constraints.txt")
    with open(constraint, "w", encoding="utf-8") as handle:
        handle.write("setuptools<60\n")
    env = dict(os.environ, PIP_CONSTRAINT=constraint, PIP_BUILD_CONSTRAINT=constraint,
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
           "--no-binary", PROJECT, f"{PROJECT}=={version}", "-d", dest]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    found = glob.glob(os.path.join(dest, f"{PROJECT}-{version}.tar.gz"))
    if proc.returncode != 0 or not found:
        # pip's own output (kilobytes of it) goes to a log file; the message stays one line.
        log = _log_path(version, cache)
        try:
            os.makedirs(os.path.dirname(log), exist_ok=True)
            with open(log, "w", encoding="utf-8") as handle:
                handle.write(" ".join(cmd) + "\n" + proc.stdout)
            where = f"pip's output is in {log}"
        except OSError:
            where = "pip's output could not be kept"
        why = ("no such release on the package index, or the index is unreachable"
               if "No matching distribution" in proc.stdout else "download failed")
        raise THTFetchError(f"--tht-release {version}: {PROJECT} {version} could not be "
                            f"downloaded ({why}; pip exit {proc.returncode}; {where}) "
                            f"(fix: {_fix()})")
    return found[0]


def _safe_extract(archive: str, dest: str) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        try:
            tar.extractall(dest, filter="data")
        except TypeError:  # Python without extraction filters
            for member in tar.getmembers():
                target = os.path.realpath(os.path.join(dest, member.name))
                if not target.startswith(os.path.realpath(dest) + os.sep):
                    raise THTFetchError(f"{archive}: unsafe path {member.name}")
            tar.extractall(dest)  # noqa: S202 - members checked above


def fetch(version: str, cache: Optional[str] = None) -> str:
    """Return the path of THT `version`'s extracted sdist tree, downloading it once."""
    version = RELEASES.get(version, version)
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        shown = repr(version)[:40]
        raise THTFetchError(f"--tht-release {shown} is neither a release number nor one of "
                            f"{', '.join(RELEASES)} (fix: {_fix()})")
    final = tree_dir(version, cache)
    if os.path.isfile(os.path.join(final, "overcloud.j2.yaml")):
        return final
    parent = os.path.dirname(final)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{version}-", dir=parent)
    try:
        archive = _download(version, work, cache)
        _safe_extract(archive, work)
        extracted = os.path.join(work, f"{PROJECT}-{version}")
        if not os.path.isfile(os.path.join(extracted, "overcloud.j2.yaml")):
            raise THTFetchError(f"{archive} holds no overcloud.j2.yaml: not a THT tree")
        try:
            os.rename(extracted, final)
        except OSError:
            if not os.path.isfile(os.path.join(final, "overcloud.j2.yaml")):
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
