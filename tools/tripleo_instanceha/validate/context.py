"""What the rules look at: the template files of a tree, and a deployment plan.

Why a context object: every rule needs the same parsed files, the same
target release and the same merged environment; building them once keeps the
whole run well under a second and makes rules small pure functions.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.paths import TREE_DIRS
from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.findings import Finding, error
from tripleo_instanceha.validate.target import TargetTree
from tripleo_instanceha.validate.yamldoc import YamlDoc, load as load_yaml

READ_RULE = "yaml-syntax"


@dataclass
class TemplateFile:
    """One YAML file of the tree: parsed, or the finding that says why it is not."""

    rel: str
    path: str
    doc: Optional[YamlDoc] = None
    problem: Optional[Finding] = None

    @property
    def data(self) -> Any:
        return self.doc.data if self.doc else None

    @property
    def is_template(self) -> bool:
        return hot.is_heat_template(self.data)

    @property
    def is_environment(self) -> bool:
        return self.rel.startswith("environments/") and isinstance(self.data, dict) \
            and not self.is_template

    @property
    def is_role(self) -> bool:
        return self.rel.startswith("roles/") and not self.is_template

    def line(self, *keys: Any) -> Optional[int]:
        return self.doc.line(*keys) if self.doc else None


def tree_files(root: str, only: Optional[List[str]] = None) -> List[str]:
    """Relative paths of the YAML files of our tree's top folders (or `only`)."""
    if only is not None:
        return [rel for rel in only if os.path.isfile(os.path.join(root, rel))]
    found = []
    for top in TREE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for filename in sorted(filenames):
                if filename.endswith((".yaml", ".yml")):
                    found.append(os.path.relpath(os.path.join(dirpath, filename), root))
    return found


def read_file(root: str, rel: str) -> TemplateFile:
    path = os.path.join(os.path.abspath(root), rel)
    try:
        return TemplateFile(rel, path, doc=load_yaml(path))
    except InputError as exc:
        problem = exc.problems[0]
        return TemplateFile(rel, path, problem=error(
            READ_RULE, problem.message, path, problem.line, problem.fix))


@dataclass
class TemplateContext:
    """The files to lint, where they live, and the release they target."""

    root: str
    files: List[TemplateFile]
    target: Optional[TargetTree] = None
    engine: bool = True
    #: resource type -> absolute template path, from the tree's own environments.
    registry: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, root: str, target: Optional[str] = None, engine: bool = True,
              only: Optional[List[str]] = None) -> "TemplateContext":
        files = [read_file(root, rel) for rel in tree_files(root, only)]
        ctx = cls(os.path.abspath(root), files, TargetTree(target) if target else None, engine)
        for item in ctx.environments:
            registry = item.data.get("resource_registry")
            if not isinstance(registry, dict):
                continue
            base = os.path.dirname(item.path)
            for rtype, value in registry.items():
                if isinstance(value, str) and value.endswith((".yaml", ".template")):
                    ctx.registry[str(rtype)] = os.path.normpath(os.path.join(base, value))
        return ctx

    @property
    def templates(self) -> List[TemplateFile]:
        return [f for f in self.files if f.is_template]

    @property
    def environments(self) -> List[TemplateFile]:
        return [f for f in self.files if f.is_environment]

    @property
    def roles(self) -> List[TemplateFile]:
        return [f for f in self.files if f.is_role and f.doc is not None]

    def resolve_type(self, template: TemplateFile, rtype: Any) -> Optional[str]:
        """The file a resource type stands for: a relative template path or a registry entry."""
        if not isinstance(rtype, str):
            return None
        if rtype.endswith((".yaml", ".template")) and "::" not in rtype:
            return os.path.normpath(os.path.join(os.path.dirname(template.path), rtype))
        target = self.registry.get(rtype)
        if target:
            return target
        return None

    def template_at(self, path: str) -> Optional[Any]:
        """Parsed data of a template by absolute path (ours first, then the target's)."""
        for item in self.files:
            if item.path == path:
                return item.data
        candidates = [path]
        if self.target and path.startswith(self.root + os.sep):
            candidates.append(os.path.join(self.target.root, os.path.relpath(path, self.root)))
        for candidate in candidates:
            if os.path.isfile(candidate):
                try:
                    return load_yaml(candidate).data
                except InputError:
                    return None
        return None

    def target_path(self, path: str) -> bool:
        """Whether a referenced file exists here or at the same place in the target tree."""
        if os.path.exists(path):
            return True
        if self.target and path.startswith(self.root + os.sep):
            return os.path.exists(os.path.join(self.target.root, os.path.relpath(path, self.root)))
        return False


class PlanContext:
    """A loaded Plan plus where each of its values came from (file and line)."""

    def __init__(self, plan, templates_dir: Optional[str] = None, engine: bool = True,
                 env_files: Optional[List[str]] = None):
        self.plan = plan
        self.target = TargetTree(templates_dir) if templates_dir else None
        self.engine = engine
        self.env_files = list(env_files or [])
        self._placements_problem: Optional[Finding] = None

    # -- where values come from -----------------------------------------
    def doc(self, path: Optional[str]) -> Optional[YamlDoc]:
        """The parsed file at `path` (None if absent or unreadable: other checks say why)."""
        if not path or not os.path.isfile(path):
            return None
        try:
            return load_yaml(path)
        except InputError:
            return None

    def param_location(self, name: str) -> tuple:
        """(file, line) of the environment that set `name` last, or (None, None)."""
        source = self.plan.environment.param_source.get(name)
        doc = self.doc(source)
        if doc is None:
            return source, None
        section = "parameters" if name in self.plan.environment.parameters else \
            "parameter_defaults"
        return source, doc.line(section, name)

    def field_location(self, name: str, field_path: Optional[str]) -> tuple:
        """(file, line) of a field inside a parameter, e.g. 'FencingConfig.devices.level1[0]'."""
        source, line = self.param_location(name)
        doc = self.doc(source)
        if doc is None or not field_path:
            return source, line
        keys: List[Any] = []
        for part in field_path.replace("]", "").split("."):
            name_part, _, index = part.partition("[")
            keys.append(name_part)
            if index.isdigit():
                keys.append(int(index))
        if keys and keys[0] == name:
            keys = keys[1:]
        section = "parameters" if name in self.plan.environment.parameters else \
            "parameter_defaults"
        return source, doc.line(section, name, *keys) or line

    def device_location(self, device, config) -> tuple:
        """(file, line) of one FencingConfig device (its position in its level's list)."""
        items = config.levels.get(device.level, [])
        index = next((i for i, d in enumerate(items) if d is device), None)
        if index is None:
            return self.param_location("FencingConfig")
        level = f".level{device.level}" if config.leveled else ""
        return self.field_location("FencingConfig", f"FencingConfig.devices{level}[{index}]")

    def registry_location(self, rtype: str) -> tuple:
        source = self.plan.environment.registry_source.get(rtype)
        doc = self.doc(source)
        return source, (doc.line("resource_registry", rtype) if doc else None)

    def role_location(self, role, *keys: Any) -> tuple:
        """(file, line) of a role (or one of its keys) in the roles file."""
        source = role.source or self.plan.roles_file
        doc = self.doc(source)
        if doc is None:
            return source, None
        if isinstance(doc.data, list):
            index = next((i for i, r in enumerate(doc.data)
                          if isinstance(r, dict) and r.get("name") == role.name), None)
            if index is not None:
                return source, doc.line(index, *keys)
        return source, doc.line(*keys)

    def node_location(self, node) -> tuple:
        source = self.plan.nodes_file
        doc = self.doc(source) if source and source.endswith((".json", ".yaml", ".yml")) \
            else None
        if doc is None or node is None:
            return source, None
        if isinstance(doc.data, dict):
            return source, doc.line("nodes", node.index)
        return source, doc.line(node.index)

    # -- what the plan says ---------------------------------------------
    def param(self, name: str, default: Any = None) -> Any:
        return self.plan.environment.param(name, default)

    def is_set(self, name: str) -> bool:
        return self.plan.environment.has_param(name)

    @property
    def iha_roles(self) -> list:
        return [r for r in self.plan.roles if r.is_instance_ha]

    @property
    def iha_requested(self) -> bool:
        """EnableInstanceHA is true, or some role carries the ComputeInstanceHA service."""
        return self.plan._bool(self.param("EnableInstanceHA", False)) or bool(self.iha_roles)

    @property
    def placements(self) -> list:
        """The plan's placements; [] (and one finding) when the plan cannot be placed."""
        try:
            return self.plan.placements
        except InputError as exc:
            problem = exc.problems[0]
            self._placements_problem = error("plan", problem.message, problem.source or None,
                                             problem.line, problem.fix)
        except (TypeError, AttributeError, ValueError) as exc:
            self._placements_problem = error(
                "plan", f"the nodes of the plan cannot be placed on roles ({exc})",
                fix="check the type of <Role>Count, <Role>HostnameFormat and HostnameMap")
        return []

    def placement_problem(self) -> Optional[Finding]:
        return self._placements_problem
