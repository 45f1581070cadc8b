"""Resolve Heat environment files the way Heat does.

Why: a plan is the THT default registry plus every `-e` file in order, later
files winning, with `resource_registry` paths relative to the file that names
them. validate, rehearse and prepare must see the same merged result.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.yamlio import load_file

ENV_SECTIONS = ("parameters", "parameter_defaults", "resource_registry", "encrypted_param_names",
                "event_sinks", "parameter_merge_strategies")
NONE_TYPE = "OS::Heat::None"


def _is_template_path(value: str) -> bool:
    return value.endswith((".yaml", ".yml", ".template", ".json")) or "/" in value


@dataclass
class Environment:
    """The merged view: every value remembers the file that set it."""

    parameter_defaults: Dict[str, Any] = field(default_factory=dict)
    parameters: Dict[str, Any] = field(default_factory=dict)
    resource_registry: Dict[str, str] = field(default_factory=dict)
    files: List[str] = field(default_factory=list)
    param_source: Dict[str, str] = field(default_factory=dict)
    registry_source: Dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: Any = None) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        return self.parameter_defaults.get(name, default)

    def has_param(self, name: str) -> bool:
        return name in self.parameters or name in self.parameter_defaults

    def resolve(self, resource_type: str) -> Optional[str]:
        """The template path (absolute) or type a resource type maps to, or None."""
        return self.resource_registry.get(resource_type)

    def is_mapped(self, resource_type: str) -> bool:
        target = self.resolve(resource_type)
        return bool(target) and target != NONE_TYPE

    def add(self, data: Any, source: str, base_dir: Optional[str] = None) -> None:
        """Merge one environment document (later wins)."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise InputError.single(source, "an environment file must be a mapping",
                                    fix="use parameter_defaults: and resource_registry: sections")
        unknown = [k for k in data if k not in ENV_SECTIONS]
        if unknown:
            raise InputError.single(source, f"unknown section '{unknown[0]}'",
                                    field=str(unknown[0]),
                                    fix="an environment has only " + ", ".join(ENV_SECTIONS[:3]))
        base_dir = base_dir or os.path.dirname(os.path.abspath(source))
        for section in ("parameter_defaults", "parameters"):
            values = data.get(section) or {}
            if not isinstance(values, dict):
                raise InputError.single(source, f"'{section}' must be a mapping", field=section,
                                        fix="list parameters as Name: value")
            getattr(self, section).update(values)
            for name in values:
                self.param_source[name] = source
        registry = data.get("resource_registry") or {}
        if not isinstance(registry, dict):
            raise InputError.single(source, "'resource_registry' must be a mapping",
                                    field="resource_registry", fix="map Type: path")
        for rtype, target in registry.items():
            if rtype == "resources" or not isinstance(target, str):
                continue
            if _is_template_path(target) and not target.startswith(("/", "file:", "http")):
                target = os.path.normpath(os.path.join(base_dir, target))
            self.resource_registry[rtype] = target
            self.registry_source[rtype] = source
        self.files.append(source)

    def add_file(self, path: str) -> None:
        self.add(load_file(path), path)
