"""Benchmark: `validate` on our tree and the bundled example plan, against THT's yaml-validate.

Run: .venv/bin/python tests/bench/bench_validate.py [THT_VERSION]   (default 18.0.0)
Prints figures only; the goals are read from them, never asserted on time:
- template + plan checks without the Heat engine: <= 1 s warm on our tree;
- with the engine: <= 10 s for the composed overcloud (THT rendered for the
  example roles, every -e file of the example plan);
- THT's own tools/yaml-validate.py on the same files, in the same run, for scale.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tripleo_instanceha import heat_engine, tht  # noqa: E402
from tripleo_instanceha.fencing.generator import build  # noqa: E402
from tripleo_instanceha.plan import Plan  # noqa: E402
from tripleo_instanceha.tht.tools import rendered_tree  # noqa: E402
from tripleo_instanceha.validate import api  # noqa: E402
from tripleo_instanceha.validate.context import tree_files  # noqa: E402
from tripleo_instanceha.yamlio import atomic_write, dump_yaml  # noqa: E402

EXAMPLE = os.path.join(ROOT, "tools", "tripleo_instanceha", "data", "example")


class Seconds(float):
    """Wall seconds that also carry the CPU seconds of the same run.

    Why both: on a shared CI machine wall time mostly measures the neighbours;
    CPU time is what the check itself costs.
    """

    cpu = 0.0

    def __format__(self, spec: str) -> str:
        return f"{float(self):{spec}} s wall / {self.cpu:{spec}} s CPU"


def cpu_now() -> float:
    """CPU seconds of this process and its finished children (yaml-validate runs in one)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(fn, repeat=1):
    """(best wall seconds with its CPU seconds, last result) of `repeat` runs."""
    best, result = None, None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), cpu_now()
        result = fn()
        elapsed = Seconds(time.perf_counter() - start)
        elapsed.cpu = cpu_now() - cpu
        best = elapsed if best is None or elapsed < best else best
    return best, result


def example_plan(tht_dir: str, work: str):
    """The bundled example with a fencing environment generated from its inventory."""
    nodes_file = os.path.join(EXAMPLE, "instackenv.json")
    roles = os.path.join(EXAMPLE, "roles_data.yaml")
    base_envs = [os.path.join(tht_dir, "environments", "docker-ha.yaml"),
                 os.path.join(ROOT, "environments", "instance-ha.yaml"),
                 os.path.join(EXAMPLE, "instance-ha-params.yaml")]
    plan = Plan.load(tht_dir, roles, base_envs, nodes_file)
    fencing = os.path.join(work, "fencing.yaml")
    atomic_write(fencing, dump_yaml(build(plan.nodes, plan=plan,
                                          source=nodes_file).environment()))
    envs = base_envs + [fencing]
    return roles, envs, nodes_file


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else "18.0.0"
    tht_dir = tht.fetch(version)
    work = tempfile.mkdtemp(prefix="bench-validate-")
    roles, envs, nodes = example_plan(tht_dir, work)
    ours = tree_files(ROOT)
    print(f"THT {version}; our tree: {len(ours)} YAML files; plan: {len(envs)} -e files, "
          f"inventory {os.path.basename(nodes)}")

    def static():
        findings = api.validate_templates(tht_dir, engine=False)
        plan = Plan.load(tht_dir, roles, envs, nodes)
        return findings + api.validate_plan(plan, tht_dir, envs, engine=False)

    cold, found = timed(static)
    warm, found = timed(static, repeat=5)
    print(f"templates + plan, no engine: cold {cold:.3f}, warm {warm:.3f} "
          f"({len(found)} findings)  [goal <= 1 s warm]")

    script = os.path.join(tht_dir, "tools", "yaml-validate.py")
    args = [sys.executable, script, "-q"]
    with open(script, encoding="utf-8") as handle:
        if "--skip-dir" in handle.read():
            args += ["--skip-dir", ".tox"]
    rel = ["./" + f for f in ours]
    yv, proc = timed(lambda: subprocess.run(args + rel, cwd=ROOT, capture_output=True,
                                            text=True, check=False), repeat=3)
    print(f"THT {version} yaml-validate.py on the same {len(rel)} files: {yv:.3f} "
          f"(exit {proc.returncode})")
    whole, proc = timed(lambda: subprocess.run(args + ["."], cwd=tht_dir, capture_output=True,
                                               text=True, check=False))
    print(f"THT {version} yaml-validate.py on its whole tree (for scale): {whole:.3f}")

    t_import, _ = timed(heat_engine.valid_template_versions)
    print(f"heat engine import + init: {t_import:.3f} (once per process)")
    t_render, (tree, reused) = timed(lambda: rendered_tree(tht_dir, roles))
    print(f"THT render for the example roles: {t_render:.3f} (cache reused: {reused})")
    t_oc, errors = timed(lambda: heat_engine.validate_overcloud(tree, envs), repeat=2)
    print(f"composed overcloud in the Heat engine: {t_oc:.3f} warm ({len(errors)} errors)  "
          "[goal <= 10 s]")
    t_std, found = timed(lambda: api.validate_templates(tht_dir, engine=True), repeat=2)
    print(f"template checks with the engine (each file standalone): {t_std:.3f} warm")

    def full():
        plan = Plan.load(tht_dir, roles, envs, nodes)
        return api.validate_templates(tht_dir, engine=True) + api.validate_plan(
            plan, tht_dir, envs, engine=True)
    t_full, found = timed(full)
    print(f"everything with the engine (templates + plan + overcloud): {t_full:.3f} warm "
          f"({len(found)} findings)")


if __name__ == "__main__":
    main()
