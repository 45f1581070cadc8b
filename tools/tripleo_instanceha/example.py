"""The bundled example plan, with its fencing environment generated from its inventory.

Why here: the demo, `rehearse --example` and the live end-to-end test must all
run the very same plan through the very same code path (the fencing generator
included), rather than each keeping its own copy of a fencing environment.
"""
from __future__ import annotations

import os
from typing import List, Tuple

from tripleo_instanceha.fencing.generator import generate
from tripleo_instanceha.paths import EXAMPLE_DIR
from tripleo_instanceha.yamlio import atomic_write, dump_yaml

ROLES = os.path.join(EXAMPLE_DIR, "roles_data.yaml")
PARAMS = os.path.join(EXAMPLE_DIR, "instance-ha-params.yaml")
NODES = os.path.join(EXAMPLE_DIR, "instackenv.json")


def example_files(workdir: str) -> Tuple[str, List[str], str]:
    """(roles file, environment files, inventory) of the example; fencing.yaml is written
    to *workdir* with mode 0600 since it holds the example's BMC passwords."""
    generated = generate(NODES, roles_file=ROLES, env_files=[PARAMS])
    fencing = os.path.join(workdir, "fencing.yaml")
    atomic_write(fencing, dump_yaml(generated.environment()))
    return ROLES, [PARAMS, fencing], NODES
