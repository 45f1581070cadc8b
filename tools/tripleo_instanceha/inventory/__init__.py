"""Load a node inventory: instackenv.json, nodes.yaml or the CSV tripleoclient accepts.

Why a package split by concern: what a node means (`model`) is decided once
for every format; each format's syntax (`json_format`, `yaml_format`,
`csv_format`) only turns text into entries; `reader` reads the file through
the shared safe read path (`yamlio.read_text`) and puts the two together.
Callers import from here.
"""
from tripleo_instanceha.inventory.model import (DRIVER_PREFIXES, Inventory, bmc_fields,
                                                node_from_dict, node_label, node_line,
                                                node_ports, normalise_driver, normalise_mac,
                                                parse_capabilities, type_name)
from tripleo_instanceha.inventory.reader import (inventory_from_data, load_inventory,
                                                 parse_inventory_text, read_inventory)
from tripleo_instanceha.inventory.yaml_format import MAX_ALIAS_EXPANSION

__all__ = [
    "DRIVER_PREFIXES", "Inventory", "MAX_ALIAS_EXPANSION", "bmc_fields", "inventory_from_data",
    "load_inventory", "node_from_dict", "node_label", "node_line", "node_ports",
    "normalise_driver", "normalise_mac", "parse_capabilities", "parse_inventory_text",
    "read_inventory", "type_name",
]
