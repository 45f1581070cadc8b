"""Benchmark: the template judges per THT release (fetch, overlay, render, validate, Heat).

Prints seconds per step and release; asserts nothing.
Run: .venv/bin/python tests/bench/bench_templates.py [VERSION ...]
"""
import os
import sys
import tempfile
import time

from tripleo_instanceha import heat_engine, tht

ROLES = ("Controller", "ComputeInstanceHA", "Compute")


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


def bench(version, work):
    src, t_fetch = timed(tht.fetch, version)
    tree, t_overlay = timed(tht.overlay, src, os.path.join(work, version))
    roles = tht.roles_file(tree, ROLES, os.path.join(work, f"roles-{version}.yaml"))
    _run, t_render = timed(tht.render, tree, roles)
    run, t_validate = timed(tht.yaml_validate, tree)
    pacemaker = os.path.join(tree, "environments", "docker-ha.yaml")
    envs = [pacemaker,
            os.path.join(tree, "environments", "deployed-server-deployed-neutron-ports.yaml"),
            os.path.join(tree, "environments", "instance-ha.yaml")]
    errors, t_heat = timed(heat_engine.validate_overcloud, tree, envs, env={
        "parameter_defaults": {"StackAction": "CREATE", "PacemakerRemoteAuthkey": "x",
                               "PcsdPassword": "x"}})
    print(f"{version:>8} fetch {t_fetch:6.2f}  overlay {t_overlay:6.2f}  render {t_render:6.2f}  "
          f"yaml-validate {t_validate:6.2f} ({'ok' if run.ok else 'FAILED'})  "
          f"heat {t_heat:6.2f} ({'ok' if not errors else 'FAILED'})")


def main(versions):
    _versions, t_init = timed(heat_engine.valid_template_versions)
    print(f"heat engine import and init: {t_init:.2f} s")
    with tempfile.TemporaryDirectory(prefix="bench-templates-") as work:
        for version in versions:
            bench(version, work)


if __name__ == "__main__":
    main(sys.argv[1:] or ["8.4.1", "11.6.0", "14.3.0", "18.0.0"])
