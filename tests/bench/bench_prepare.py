"""Benchmark: `prepare` on inventories of 5, 50 and 500 nodes, phase by phase.

Prints figures; asserts nothing. Run:
  .venv/bin/python tests/bench/bench_prepare.py [RELEASE] [--rehearse] [--heat]
Without --rehearse the rehearsal is skipped (one crm_simulate replay of a
500-node cluster can take minutes); without --heat the Heat check is skipped.
The rendered THT tree is cached, so a second --heat run shows the reuse.
"""
import json
import os
import sys
import tempfile
import time

from tripleo_instanceha import heat_engine, tht
from tripleo_instanceha.prepare import pipeline
from tripleo_instanceha.tht import tools as tht_tools

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.prepare.conftest import inventory  # noqa: E402


def timed(label, func):
    started = time.monotonic()
    result = func()
    print(f"  {label:<34} {time.monotonic() - started:7.2f} s")
    return result


def main(argv):
    release = next((a for a in argv if not a.startswith("--")), "18.0.0")
    rehearse, heat = "--rehearse" in argv, "--heat" in argv
    templates = timed(f"fetch THT {release} (cached)", lambda: tht.fetch(release))
    if heat:
        timed("Heat engine start (once)", heat_engine.valid_template_versions)
    for count in (5, 50, 500):
        print(f"{count} nodes:")
        with tempfile.TemporaryDirectory() as work:
            nodes = os.path.join(work, "instackenv.json")
            with open(nodes, "w", encoding="utf-8") as handle:
                json.dump(inventory(count), handle)
            request = pipeline.Request(templates=templates, nodes_file=nodes,
                                       output_dir=os.path.join(work, "out"),
                                       heat_check=heat, rehearse=rehearse,
                                       scenarios=["compute-crash"] if rehearse else [])
            outcome = timed("prepare (first run)", lambda: pipeline.run(request))
            print(f"    ok={outcome.ok} written={len(outcome.written)} "
                  f"fenced={len(outcome.fenced_nodes)}"
                  + (f" rendered tree reused={outcome.heat.reused}" if outcome.heat else ""))
            again = timed("prepare (second run, no change)", lambda: pipeline.run(request))
            print(f"    written={len(again.written)} unchanged={len(again.unchanged)}")
            if heat:
                roles = os.path.join(work, "out", pipeline.ROLES)
                timed("render (cached tree)", lambda: tht_tools.rendered_tree(templates, roles))


if __name__ == "__main__":
    main(sys.argv[1:])
