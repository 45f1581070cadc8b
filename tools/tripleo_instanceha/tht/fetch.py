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


def _download(version: str, dest: str) -> str:
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
        tail = "\n".join(line for line in proc.stdout.splitlines()
                         if "is ignored" not in line)[-1500:]
        raise THTFetchError(f"could not download {PROJECT} {version} from the package index "
                            f"(pip exit {proc.returncode}): {tail} (fix: check network access "
                            f"to PyPI, or set TRIPLEO_INSTANCEHA_CACHE to a cache holding "
                            f"tht/{PROJECT}-{version})")
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
    final = tree_dir(version, cache)
    if os.path.isfile(os.path.join(final, "overcloud.j2.yaml")):
        return final
    parent = os.path.dirname(final)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{version}-", dir=parent)
    try:
        archive = _download(version, work)
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
