"""Where the project's template tree and bundled data live.

Why: the tools run both from a source checkout (tests, CI) and from a pip
install (data_files under share/), and must find the same tree either way.
"""
from __future__ import annotations

import os
import sys

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(PACKAGE_DIR, "data")
EXAMPLE_DIR = os.path.join(DATA_DIR, "example")

#: Top-level folders of our tree that overlay 1:1 onto a tripleo-heat-templates tree.
TREE_DIRS = ("environments", "deployment", "puppet", "roles")
#: Folders of our tree whose files are not templates but travel with them:
#: the templates read them with Heat's ``get_file`` (the evacuation agent, and the
#: start guard of nova-compute the computes run).
GET_FILE_DIRS = (os.path.join("deployment", "pacemaker", "ocf"),
                 os.path.join("deployment", "pacemaker", "compute"))


def is_tree_file(rel: str) -> bool:
    """Whether a path of our tree (relative to it) belongs in a laid or shipped tree.

    Templates and environments (``*.yaml``), and every file under
    ``GET_FILE_DIRS``: without them a template's ``get_file`` fails.
    """
    return rel.endswith(".yaml") or any(rel.startswith(d + os.sep) for d in GET_FILE_DIRS)


def source_root() -> str | None:
    """The checkout root when running from source (tools/ is the package's parent)."""
    root = os.path.dirname(os.path.dirname(PACKAGE_DIR))
    if os.path.isfile(os.path.join(root, "environments", "instance-ha.yaml")):
        return root
    return None


def template_tree() -> str:
    """The directory holding our environments/, deployment/, puppet/, roles/."""
    root = source_root()
    if root:
        return root
    # The prefix the package was installed under comes first: a venv or `--user`
    # (PREFIX/lib/pythonX.Y/site-packages/tripleo_instanceha) or `--target DIR`
    # (DIR/tripleo_instanceha), whichever interpreter runs it.
    ancestors = [PACKAGE_DIR]
    for _ in range(4):
        ancestors.append(os.path.dirname(ancestors[-1]))
    for prefix in (*ancestors[1:], sys.prefix, sys.base_prefix, "/usr/local", "/usr"):
        candidate = os.path.join(prefix, "share", "tripleo-instanceha")
        if os.path.isfile(os.path.join(candidate, "environments", "instance-ha.yaml")):
            return candidate
    raise FileNotFoundError("the tripleo-instanceha template tree is not installed")


def cache_dir() -> str:
    """Download cache (THT sdists); ignored by git."""
    base = os.environ.get("TRIPLEO_INSTANCEHA_CACHE")
    if not base:
        root = source_root()
        base = os.path.join(root, ".cache") if root else os.path.expanduser(
            "~/.cache/tripleo-instanceha")
    os.makedirs(base, exist_ok=True)
    return base
