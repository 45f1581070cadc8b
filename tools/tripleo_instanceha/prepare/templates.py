"""Our Instance HA templates, spoken in the target release's dialect, for the output directory.

Why ship a copy next to the generated files: the operator's THT tree is the
stock one, and each release spells shared parameter definitions, the HOT
version and the parameters every service must declare differently. The
overlay (tht.overlay) is the one place that knows how; its result for our
files is taken as is, so the deploy command works against an unmodified tree
with every Instance HA path inside the output directory.
"""
from __future__ import annotations

import os
from typing import Dict

from tripleo_instanceha import fileio
from tripleo_instanceha.paths import is_tree_file, template_tree
from tripleo_instanceha.tht.overlay import overlay
from tripleo_instanceha.yamlio import read_text

#: Folder of the output directory that holds the adapted templates.
SUBDIR = "instance-ha-templates"
#: Our tree's folders that hold templates and environments (roles are generated instead).
TEMPLATE_DIRS = ("environments", "deployment", "puppet")
ENVIRONMENT = f"{SUBDIR}/environments/instance-ha.yaml"


def _our_files(tree: str):
    """Templates, environments and the files they get_file (the evacuation agent)."""
    for top in TEMPLATE_DIRS:
        for dirpath, dirs, names in os.walk(os.path.join(tree, top)):
            dirs.sort()
            for name in sorted(names):
                rel = os.path.relpath(os.path.join(dirpath, name), tree)
                if is_tree_file(rel):
                    yield rel


def adapted_templates(tht_dir: str) -> Dict[str, str]:
    """relative path (under SUBDIR) -> text, for every template and environment of our tree."""
    tree = template_tree()
    with fileio.private_tempdir("overlay") as work:
        laid = overlay(tht_dir, os.path.join(work, "tree"), tree)
        return {os.path.join(SUBDIR, rel): read_text(os.path.join(laid, rel))
                for rel in _our_files(tree)}
