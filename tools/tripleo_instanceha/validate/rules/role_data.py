"""A service template's role_data must carry what TripleO's service chain reads.

Why: THT's yaml-validate rejects a service without role_data.value and
service_name, a container service without docker_config/puppet_config/
config_settings, and any service missing the parameters the chain passes.
"""
from __future__ import annotations

import re
from typing import Iterator

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.context import TemplateContext, TemplateFile
from tripleo_instanceha.validate.findings import Finding, error

ID = "role-data"
KIND = "template"
DESCRIPTION = "service templates: role_data.value with service_name (and the container " \
    "sections), and THT's required service parameters"
FIX = "add the missing key under outputs.role_data.value, or the missing parameter"

PUPPET_SERVICE = re.compile(r"^deployment/.+-(baremetal|pacemaker)-puppet\.yaml$")
CONTAINER_SERVICE = re.compile(r"^deployment/.+-container(-puppet)*\.yaml$")
LEGACY_SERVICE = re.compile(r"^puppet/services/.+\.yaml$")
CONTAINER_SECTIONS = ("service_name", "docker_config", "puppet_config", "config_settings")
PUPPET_CONFIG_KEYS = ("config_volume", "step_config", "config_image")


def is_service(item: TemplateFile) -> bool:
    """Whether THT treats this file as a service template."""
    return bool(PUPPET_SERVICE.match(item.rel) or CONTAINER_SERVICE.match(item.rel)
                or LEGACY_SERVICE.match(item.rel)) and item.is_template


def check(ctx: TemplateContext) -> Iterator[Finding]:
    required = ctx.target.required_params if ctx.target else hot.SERVICE_REQUIRED_PARAMS
    for item in ctx.templates:
        if not is_service(item):
            continue
        params = hot.section(item.data, "parameters")
        for name in required:
            if name not in params:
                yield error(ID, f"service template does not declare {name}", item.path,
                            item.line("parameters"), f"declare {name} like THT's other services")
        outputs = hot.section(item.data, "outputs")
        role_data = outputs.get("role_data")
        if not isinstance(role_data, dict) or "value" not in role_data:
            yield error(ID, "outputs.role_data.value is missing", item.path,
                        item.line("outputs", "role_data") or item.line("outputs"), FIX)
            continue
        value = role_data["value"]
        if not isinstance(value, dict) or hot.is_function(value):
            continue  # built by a Heat function (map_merge...): resolved at deploy time
        keys = CONTAINER_SECTIONS if CONTAINER_SERVICE.match(item.rel) else ("service_name",)
        for key in keys:
            if key not in value:
                yield error(ID, f"role_data has no {key}", item.path,
                            item.line("outputs", "role_data", "value"), FIX)
        puppet_config = value.get("puppet_config")
        if CONTAINER_SERVICE.match(item.rel) and isinstance(puppet_config, dict):
            for key in PUPPET_CONFIG_KEYS:
                if key not in puppet_config:
                    yield error(ID, f"role_data.puppet_config has no {key}", item.path,
                                item.line("outputs", "role_data", "value", "puppet_config"), FIX)
