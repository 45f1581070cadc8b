"""The checks, one module each; every module has ID, KIND, DESCRIPTION, FIX and check().

KIND "template" rules take a TemplateContext, KIND "plan" rules a PlanContext.
A module with NEEDS_ENGINE = True runs only when the Heat engine is enabled.
The order here is the order of the report and of the documentation.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import List

TEMPLATE_RULES = (
    "yamllint_style", "hot_version", "heat_engine_standalone", "get_param", "get_attr",
    "conditions", "unused_parameter", "role_data", "service_name", "shared_parameter",
    "role_name", "env_registry",
)
PLAN_RULES = (
    "param_types", "tunables", "remote_monitor_timeout", "storm_threshold",
    "iha_enabled", "iha_role_services", "role_services_mapped",
    "pacemaker_role",
    "role_drift",
    "keystone_identity",
    "fencing_enabled", "fencing_config", "host_mac_case", "fencing_coverage", "startup_delay",
    "shared_storage",
    "node_names", "inventory", "registry_paths", "overcloud_engine",
)


def load(names) -> List[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def template_rules() -> List[ModuleType]:
    return load(TEMPLATE_RULES)


def plan_rules() -> List[ModuleType]:
    return load(PLAN_RULES)


def all_rules() -> List[ModuleType]:
    return template_rules() + plan_rules()
