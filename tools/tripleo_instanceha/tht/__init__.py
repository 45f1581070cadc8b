"""Real tripleo-heat-templates (THT) trees as judges of our templates.

Why: our templates only matter once laid onto a real THT release, rendered by
THT's own jinja step and checked by THT's own validator. This package gives
every test and command the same four operations on a real tree:

- ``fetch(version)``: the extracted THT sdist, downloaded once into the cache;
- ``overlay(tht_dir, dest)``: a copy of that tree with ours laid on top,
  adapted to the release (HOT version, shared parameter definitions);
- ``render(tree, roles_file)``: THT's ``tools/process-templates.py``;
- ``yaml_validate(tree)``: THT's ``tools/yaml-validate.py``.
"""
from tripleo_instanceha.tht.fetch import RELEASES, THTFetchError, fetch
from tripleo_instanceha.tht.overlay import OverlayError, overlay
from tripleo_instanceha.tht.tools import (THTToolError, ToolRun, network_data_file, render,
                                          roles_file, yaml_validate)

__all__ = ["RELEASES", "OverlayError", "THTFetchError", "THTToolError", "ToolRun", "fetch",
           "network_data_file", "overlay", "render", "roles_file", "yaml_validate"]
