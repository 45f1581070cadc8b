"""Benchmark: one compute failure in a 500-compute Instance HA cluster (goal: <= 5 s end to end).

Prints figures; asserts nothing. Run: .venv/bin/python tests/bench/bench_rehearse.py [COMPUTES]
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import tripleo_instanceha.plan  # noqa: F401 - the fencing package expects the plan loaded first
from tripleo_instanceha.fencing.generator import generate
from tripleo_instanceha.paths import EXAMPLE_DIR
from tripleo_instanceha.yamlio import atomic_write, dump_yaml

GOAL = 5.0


def inventory(path, computes):
    nodes = []
    for i in range(3):
        nodes.append({"name": f"controller-{i}", "pm_type": "ipmi", "pm_addr": f"10.0.0.{i + 1}",
                      "pm_user": "admin", "pm_password": "bench-password",
                      "ports": [{"address": f"52:54:00:00:00:{i:02x}"}],
                      "capabilities": "profile:control"})
    for i in range(computes):
        driver = "redfish" if i % 2 else "ipmi"
        node = {"name": f"compute-{i}", "pm_type": driver,
                "pm_addr": f"10.1.{i // 250}.{i % 250 + 1}", "pm_user": "admin",
                "pm_password": "bench-password",
                "ports": [{"address": "52:54:01:%02x:%02x:%02x" % (i >> 16, (i >> 8) & 255,
                                                                   i & 255)}],
                "capabilities": "profile:computeinstanceha"}
        if driver == "redfish":
            node["pm_system_id"] = f"/redfish/v1/Systems/{i}"
        nodes.append(node)
    with open(path, "w") as handle:
        json.dump({"nodes": nodes}, handle)


def main(computes=500):
    work = tempfile.mkdtemp(prefix="bench-rehearse-")
    nodes = os.path.join(work, "instackenv.json")
    inventory(nodes, computes)
    params = os.path.join(work, "params.yaml")
    with open(params, "w") as handle:
        handle.write("parameter_defaults:\n  EnableInstanceHA: true\n  ControllerCount: 3\n"
                     f"  ComputeInstanceHACount: {computes}\n  ComputeCount: 0\n")
    roles = os.path.join(EXAMPLE_DIR, "roles_data.yaml")
    generated = generate(nodes, roles_file=roles, env_files=[params])
    fencing = os.path.join(work, "fencing.yaml")
    atomic_write(fencing, dump_yaml(generated.environment()))
    program = os.path.join(os.path.dirname(sys.executable), "tripleo-instanceha")
    out = os.path.join(work, "out")
    start = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run([program, "rehearse", "-r", roles, "-e", params, "-e", fencing,
                          "--nodes", nodes, "--fail", "compute-7", "--scenario",
                          "compute-crash", "--output-dir", out, "--format", "json"],
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    report = json.loads(run.stdout) if run.stdout.startswith("{") else {}
    cib_kb = os.path.getsize(os.path.join(out, "cib.xml")) / 1024 if os.path.isdir(out) else 0
    print(f"computes: {computes}, exit code: {run.returncode}, verdict: {report.get('verdict')}")
    print(f"stonith devices: {len(report.get('cluster', {}).get('stonith_devices', []))}, "
          f"CIB size: {cib_kb:.0f} KiB")
    print(f"rehearse --fail compute-7 --scenario compute-crash, end to end: {elapsed:.2f} s "
          f"wall, {cpu:.2f} s CPU (goal <= {GOAL:.0f} s: "
          f"{'met' if elapsed <= GOAL else 'NOT met'}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    if run.returncode not in (0, 1):
        print(run.stderr[-2000:])
    # the same in-process, by phase
    from tripleo_instanceha.cluster.budget import budget
    from tripleo_instanceha.cluster.model import ClusterModel
    from tripleo_instanceha.cluster.scenarios import COMPUTE_CRASH, Rehearsal
    from tripleo_instanceha.plan import Plan
    t0 = time.perf_counter()
    plan = Plan.load(None, roles, [params, fencing], nodes)
    model = ClusterModel.from_plan(plan)
    t1 = time.perf_counter()
    rehearsal = Rehearsal(model, os.path.join(work, "phases"))
    results = rehearsal.run([COMPUTE_CRASH], fail=model.computes[7])
    t2 = time.perf_counter()
    budget(plan, model)
    t3 = time.perf_counter()
    print(f"in-process: plan+model {t1 - t0:.2f} s, coverage+scheduling {t2 - t1:.2f} s "
          f"({len(rehearsal.sim_model.remotes)} of {len(model.remotes)} remotes scheduled), "
          f"budget {t3 - t2:.2f} s, verdict {'pass' if all(r.ok for r in results) else 'fail'}")
    full = Rehearsal(model, os.path.join(work, "full"), max_sim_remotes=0)
    if "--full" in sys.argv:
        t4 = time.perf_counter()
        full.run([COMPUTE_CRASH], fail=model.computes[7])
        print(f"the same scheduling all {len(model.remotes)} remotes: "
              f"{time.perf_counter() - t4:.1f} s")


if __name__ == "__main__":
    sizes = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(sizes[0]) if sizes else 500)
