"""service_name must start with the file name's stem, as THT's gate requires.

Why: THT derives hiera keys and node lists (<service_name>_short_node_names)
from service_name; its validator ties it to the file name so the two never
drift (compute-instanceha-baremetal-puppet.yaml -> compute_instanceha).
"""
from __future__ import annotations

import os
from typing import Iterator

from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error
from tripleo_instanceha.validate.rules.role_data import LEGACY_SERVICE, is_service

ID = "service-name"
KIND = "template"
DESCRIPTION = "role_data.service_name matches the file name (THT's rule)"
FIX = "rename the file or the service so service_name starts with the file's stem"


def expected_prefix(filename: str) -> str:
    """compute-instanceha-baremetal-puppet.yaml -> compute_instanceha."""
    stem = os.path.basename(filename).split(".")[0]
    return stem.rsplit("-", 2)[0].replace("-", "_")


def check(ctx: TemplateContext) -> Iterator[Finding]:
    for item in ctx.templates:
        if not is_service(item) or LEGACY_SERVICE.match(item.rel):
            continue
        role_data = (item.data.get("outputs") or {}).get("role_data") \
            if isinstance(item.data.get("outputs"), dict) else None
        value = role_data.get("value") if isinstance(role_data, dict) else None
        name = value.get("service_name") if isinstance(value, dict) else None
        if not isinstance(name, str):
            continue
        prefix = expected_prefix(item.rel)
        if not name.startswith(prefix):
            yield error(ID, f"service_name '{name}' does not start with '{prefix}' "
                        f"(from {os.path.basename(item.rel)})", item.path,
                        item.line("outputs", "role_data", "value", "service_name"), FIX)
