"""Benchmark: fencing generation for 10,000 nodes, ours against tripleo-common's.

Run: .venv/bin/python tests/bench/bench_fencing.py [NODES]
Prints figures only; the goal (<= 1 s, and not slower than tripleo-common for
the same work) is judged by reading them, never by a timed assert.

Two comparisons on the same seeded inventory:
- generation from the parsed node list (tripleo-common's function takes the list);
  ours includes every check tripleo-common does not make;
- end to end: JSON file -> environment YAML text, as each CLI does it.
"""
from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tests.fencing import corpus  # noqa: E402
from tripleo_common.utils.stack_parameters import generate_fencing_parameters  # noqa: E402
from tripleo_instanceha.fencing import drivers as D  # noqa: E402
from tripleo_instanceha.fencing.generator import build  # noqa: E402
from tripleo_instanceha.inventory import inventory_from_data, read_inventory  # noqa: E402
from tripleo_instanceha.fencing.emit import to_yaml  # noqa: E402

OPTS = {"delay": 10, "ipmi_level": "administrator", "ipmi_cipher": None, "ipmi_lanplus": True}


def best(fn, prepare=lambda: None, repeat=3):
    """Fastest of `repeat` runs of fn(prepare()), preparing outside the timing.

    CPU time of this process, not wall time: the figures then hold on a
    machine shared with other jobs (wall time is printed by the caller too).
    """
    times = []
    for _ in range(repeat):
        arg = prepare()
        start = time.process_time()
        fn(arg)
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    nodes = corpus.inventory(2026, count)
    options = D.Options(delay=10, ipmi_level="administrator")

    def fresh():
        return copy.deepcopy(nodes)

    def upstream_gen(data):
        generate_fencing_parameters(data, **OPTS)

    def ours_gen(data):
        build(inventory_from_data(data, "bench").nodes, options).environment()

    up, me = best(upstream_gen, fresh), best(ours_gen, fresh)
    print(f"nodes: {count} (CPU seconds, best of 3; load average {os.getloadavg()[0]:.1f})")
    print(f"generation from the node list: tripleo-common {up:.3f} s, ours {me:.3f} s "
          "(ours also checks every node and field)")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "instackenv.json")
        with open(path, "w") as handle:
            json.dump({"nodes": nodes}, handle)
        size = os.path.getsize(path)

        def upstream_e2e(_):
            with open(path) as handle:
                data = json.load(handle)["nodes"]
            yaml.safe_dump(generate_fencing_parameters(data, **OPTS), default_flow_style=False)

        def ours_e2e(_):
            inventory = read_inventory(path)
            generated = build(inventory.nodes, options, source=path,
                              problems=inventory.problems)
            to_yaml(generated.environment())

        up_e2e, me_e2e = best(upstream_e2e), best(ours_e2e)
        print(f"end to end ({size / 1e6:.1f} MB JSON -> YAML text): tripleo-common "
              f"{up_e2e:.3f} s, ours {me_e2e:.3f} s (ratio {me_e2e / up_e2e:.2f})")

        ypath = os.path.join(tmp, "nodes.yaml")
        with open(ypath, "w") as handle:
            yaml.safe_dump({"nodes": nodes}, handle)

        def upstream_yaml(_):
            with open(ypath) as handle:
                data = yaml.safe_load(handle)["nodes"]
            yaml.safe_dump(generate_fencing_parameters(data, **OPTS), default_flow_style=False)

        def ours_yaml(_):
            inventory = read_inventory(ypath)
            generated = build(inventory.nodes, options, source=ypath,
                              problems=inventory.problems)
            to_yaml(generated.environment())

        up_y, me_y = best(upstream_yaml, repeat=1), best(ours_yaml, repeat=1)
        print(f"end to end (nodes.yaml -> YAML text): tripleo-common {up_y:.3f} s, "
              f"ours {me_y:.3f} s (ratio {me_y / up_y:.2f})")


if __name__ == "__main__":
    main()
