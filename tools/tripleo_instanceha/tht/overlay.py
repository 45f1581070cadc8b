"""Lay our template tree onto a copy of a real THT tree, adapted to that release.

Why adapt: THT's validator wants every definition of a shared parameter to be
identical across the tree, and each release spells some of them differently
(``EnableInstanceHA``'s description, ``ServiceNetMap``'s) and accepts one HOT
version only. The release's own Instance HA service template is the
reference for all of that: our templates take its ``heat_template_version``
and its definition of every parameter both declare (other parameters THT
defines, such as ``EnableFencing``, take the definition found elsewhere in
the tree), and our service templates
also declare the parameters it declares that ours lack (``DefaultPasswords``
up to Train), because that is what the release's service chain passes. The
ComputeInstanceHA role is derived again from that release's own Compute role,
since services differ between releases.
"""
from __future__ import annotations

import ast
import copy
import os
import shutil
import warnings
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import yaml

from tripleo_instanceha.errors import InstanceHAError
from tripleo_instanceha.paths import TREE_DIRS, is_tree_file, template_tree
from tripleo_instanceha.tht.roles import derive_role_file
from tripleo_instanceha.yamlio import load_file

#: Where each release keeps its own Instance HA service template (newest layout first).
REFERENCE_SERVICE_PATHS = (
    "deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml",
    "puppet/services/pacemaker/compute-instanceha.yaml",
)
ROLE_FILE = "roles/ComputeInstanceHA.yaml"


class OverlayError(InstanceHAError):
    """The THT tree cannot take our templates (not a THT tree, or no IHA reference)."""


def reference_service(tht_dir: str) -> Tuple[str, Dict[str, Any]]:
    """The release's own Instance HA service template: (relative path, parsed)."""
    for rel in REFERENCE_SERVICE_PATHS:
        path = os.path.join(tht_dir, rel)
        if os.path.isfile(path):
            return rel, load_file(path)
    raise OverlayError(f"{tht_dir}: no Instance HA service template at any of "
                       f"{', '.join(REFERENCE_SERVICE_PATHS)} (fix: pass a tripleo-heat-templates "
                       f"tree of Queens or later)")


def _our_files(tree: str) -> Iterator[str]:
    """Our templates and environments, and the files they ``get_file`` (paths.is_tree_file)."""
    for top in TREE_DIRS:
        base = os.path.join(tree, top)
        for dirpath, _dirs, files in os.walk(base):
            for name in sorted(files):
                rel = os.path.relpath(os.path.join(dirpath, name), tree)
                if is_tree_file(rel):
                    yield rel


def _is_service(template: Dict[str, Any]) -> bool:
    return "role_data" in (template.get("outputs") or {})


def required_params(tht_dir: str) -> List[str]:
    """The parameters the release's yaml-validate.py requires of every service template."""
    script = os.path.join(tht_dir, "tools", "yaml-validate.py")
    with open(script, encoding="utf-8") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # old releases' regexes have invalid escapes
        module = ast.parse(handle.read(), script)
    for node in module.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "required_params" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise OverlayError(f"{script}: no required_params list (fix: pass a tripleo-heat-templates "
                       f"tree of Queens or later)")


def tree_definitions(tht_dir: str, names: Iterable[str]) -> Dict[str, Any]:
    """The tree's definition of each of `names` it defines (first one found).

    THT's validator keeps every definition of a name identical, so the first
    is the definition. Only files mentioning a wanted name are parsed.
    """
    wanted = set(names)
    found: Dict[str, Any] = {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for top in ("deployment", "puppet", "docker", "extraconfig", "common"):
        for dirpath, _dirs, files in os.walk(os.path.join(tht_dir, top)):
            for name in sorted(files):
                if not wanted - set(found):
                    return found
                if not name.endswith(".yaml") or name.endswith(".j2.yaml"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                if not any(f"\n  {want}:" in text for want in wanted - set(found)):
                    continue
                try:
                    data = yaml.load(text, Loader=loader)  # noqa: S506 - safe loader
                except yaml.YAMLError:
                    continue
                params = data.get("parameters") if isinstance(data, dict) else None
                for key, definition in (params or {}).items():
                    if key in wanted and key not in found:
                        found[key] = definition
    return found


def adapt_template(template: Dict[str, Any], reference: Dict[str, Any],
                   required: Sequence[str] = (),
                   elsewhere: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Return `template` speaking the reference release's HOT dialect (see module doc).

    `required` names the parameters every service template of the release
    must declare; those the template lacks are added with the reference's
    definition. `elsewhere` holds the tree's definitions of other names.
    """
    adapted = copy.deepcopy(template)
    adapted["heat_template_version"] = reference["heat_template_version"]
    ref_params = reference.get("parameters") or {}
    params = adapted.get("parameters") or {}
    elsewhere = elsewhere or {}
    for name in list(params):
        if name in ref_params:
            params[name] = copy.deepcopy(ref_params[name])
        elif name in elsewhere:
            params[name] = copy.deepcopy(elsewhere[name])
    if _is_service(adapted):
        for name in required:
            if name in ref_params:
                params.setdefault(name, copy.deepcopy(ref_params[name]))
    adapted["parameters"] = params
    return adapted


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False, width=100)


def overlay(tht_dir: str, dest: str, tree: Optional[str] = None) -> str:
    """Copy THT tree `tht_dir` to `dest` and lay our tree (default: the shipped one) on it.

    `dest` must not exist yet. Returns `dest`.
    """
    tree = tree or template_tree()
    if not os.path.isfile(os.path.join(tht_dir, "overcloud.j2.yaml")):
        raise OverlayError(f"{tht_dir}: not a tripleo-heat-templates tree (no overcloud.j2.yaml)")
    if os.path.exists(dest):
        raise OverlayError(f"{dest}: already exists (fix: pass a new directory; the overlay "
                           f"never writes into an existing tree)")
    _ref_rel, reference = reference_service(tht_dir)
    required = required_params(tht_dir)
    ours = {rel: (load_file(os.path.join(tree, rel)) if rel.endswith(".yaml") else None)
            for rel in _our_files(tree)}
    templates = {rel: data for rel, data in ours.items()
                 if isinstance(data, dict) and "heat_template_version" in data}
    declared = {name for data in templates.values() for name in (data.get("parameters") or {})}
    elsewhere = tree_definitions(tht_dir, declared - set(reference.get("parameters") or {}))
    shutil.copytree(tht_dir, dest, symlinks=True)
    for rel in ours:
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if rel in templates:
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(_dump(adapt_template(templates[rel], reference, required,
                                                  elsewhere)))
        else:
            # copy2: the agent keeps its mode (Heat reads only the content)
            shutil.copy2(os.path.join(tree, rel), target)
    with open(os.path.join(dest, ROLE_FILE), "w", encoding="utf-8") as handle:
        handle.write(derive_role_file(tht_dir))
    return dest
