"""Our Instance HA templates, spoken in the target release's dialect, for the output directory.

Why ship a copy next to the generated files: the operator's THT tree is the
stock one, and each release spells shared parameter definitions and the HOT
version differently. Writing our few templates adapted to that release (the
same adaptation the overlay uses) gives a deploy command that works against
an unmodified tree, with every path inside the output directory.
"""
from __future__ import annotations

import os
from typing import Dict

from tripleo_instanceha.paths import template_tree
from tripleo_instanceha.tht.overlay import adapt_template, reference_service
from tripleo_instanceha.yamlio import dump_yaml, load_file, read_text

#: Folder of the output directory that holds the adapted templates.
SUBDIR = "instance-ha-templates"
#: Our tree's folders that hold templates and environments (roles are generated instead).
TEMPLATE_DIRS = ("environments", "deployment", "puppet")
ENVIRONMENT = f"{SUBDIR}/environments/instance-ha.yaml"


def adapted_templates(tht_dir: str) -> Dict[str, str]:
    """relative path (under SUBDIR) -> text, for every file of our template tree."""
    tree = template_tree()
    _rel, reference = reference_service(tht_dir)
    files: Dict[str, str] = {}
    for top in TEMPLATE_DIRS:
        for dirpath, dirs, names in os.walk(os.path.join(tree, top)):
            dirs.sort()
            for name in sorted(names):
                if not name.endswith(".yaml"):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.join(SUBDIR, os.path.relpath(path, tree))
                data = load_file(path)
                if isinstance(data, dict) and "heat_template_version" in data:
                    files[rel] = dump_yaml(adapt_template(data, reference))
                else:
                    files[rel] = read_text(path)
    return files
