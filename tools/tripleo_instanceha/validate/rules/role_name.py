"""A role file holds one role named like the file, with a list of services.

Why: THT's roles-data generator picks roles by file name, and its gate
requires roles/X.yaml to define role X.
"""
from __future__ import annotations

import os
from typing import Iterator

from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "role-file"
KIND = "template"
DESCRIPTION = "roles/X.yaml defines exactly role X, with a ServicesDefault list"
FIX = "name the role like its file and list its services under ServicesDefault"


def check(ctx: TemplateContext) -> Iterator[Finding]:
    for item in ctx.roles:
        expected = os.path.splitext(os.path.basename(item.rel))[0]
        data = item.data
        if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
            yield error(ID, "a role file must be a list holding one role", item.path, 1, FIX)
            continue
        role = data[0]
        if role.get("name") != expected:
            yield error(ID, f"role is named '{role.get('name')}', file is {expected}.yaml",
                        item.path, item.line(0, "name") or 1, FIX)
        if not isinstance(role.get("ServicesDefault"), list):
            yield error(ID, "ServicesDefault is missing or not a list", item.path,
                        item.line(0, "ServicesDefault") or item.line(0), FIX)
