"""Benchmark: `fencing probe` of 100 emulated BMCs through the real fence agents.

Run: .venv/bin/python tests/bench/bench_probe.py [BMCS] [CONCURRENCY,...]
Prints figures only (no timed assert). Half the BMCs are pyghmi IPMI BMCs
behind fence_ipmilan --lanplus, half are systems of one sushy-tools fake
Redfish emulator (TLS) behind fence_redfish; every one answers, so the figure
is the cost of asking a healthy cloud. Each concurrency is run in turn on the
same BMCs, the default one first, to show how the bound was chosen. A second
round swaps 10 of the BMCs for silent ones (a 5 s --timeout each), where the
bound decides how much of the waiting overlaps.
"""
from __future__ import annotations

import json
import os
import resource
import socket
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tests.fencing import bmc_emulators as E  # noqa: E402
from tests.net import free_port  # noqa: E402
from tripleo_instanceha.fencing import probe as PR  # noqa: E402


def inventory(ipmi, redfish, redfish_port):
    nodes = []
    for i, bmc in enumerate(ipmi):
        nodes.append({"name": bmc.name, "pm_type": "ipmi", "pm_addr": "127.0.0.1",
                      "pm_port": bmc.port, "pm_user": E.USERNAME, "pm_password": E.PASSWORD,
                      "ports": [{"address": "52:54:01:00:%02x:%02x" % divmod(i, 256)}]})
    for i, system in enumerate(redfish):
        nodes.append({"name": system.name, "pm_type": "redfish", "pm_addr": "127.0.0.1",
                      "pm_port": redfish_port, "pm_user": E.USERNAME,
                      "pm_password": E.PASSWORD, "pm_system_id": system.uuid,
                      "redfish_verify_ca": False,
                      "ports": [{"address": "52:54:02:00:%02x:%02x" % divmod(i, 256)}]})
    return {"nodes": nodes}


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    default = PR.default_concurrency()
    levels = [int(x) for x in sys.argv[2].split(",")] if len(sys.argv) > 2 \
        else [default] + [c for c in (2, 4, 32) if c != default]
    ipmi = [E.IpmiBmc(f"ipmi-{i}", free_port(socket.SOCK_DGRAM)) for i in range(count // 2)]
    redfish = [E.RedfishSystem(f"redfish-{i}") for i in range(count - count // 2)]
    with tempfile.TemporaryDirectory() as tmp, E.Emulators(ipmi, redfish) as emulators:
        path = os.path.join(tmp, "instackenv.json")
        with open(path, "w") as handle:
            json.dump(inventory(ipmi, redfish, emulators.redfish_port), handle)
        kind, targets, _ = PR.load_targets(path)
        print(f"BMCs: {len(targets)} ({len(ipmi)} IPMI via fence_ipmilan --lanplus, "
              f"{len(redfish)} Redfish via fence_redfish over TLS); cores: {os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.1f}")
        for concurrency in levels:
            cpu, start = children_cpu(), time.monotonic()
            outcomes = PR.probe(targets, concurrency)
            wall = time.monotonic() - start
            answered = sum(o.answered for o in outcomes)
            slowest = max(o.seconds for o in outcomes)
            print(f"concurrency {concurrency:>2}{' (default)' if concurrency == default else '':10}"
                  f" {wall:6.2f} s wall, {children_cpu() - cpu:6.2f} s agent CPU, "
                  f"{answered}/{len(outcomes)} answered, slowest agent {slowest:.2f} s")
        quiet = [E.Silent() for _ in range(10)]
        try:
            dead = [PR.Target(f"dead-{i}", "fence_ipmilan", {
                "ipaddr": "127.0.0.1", "ipport": q.udp_port, "login": E.USERNAME,
                "passwd": E.PASSWORD, "lanplus": True}) for i, q in enumerate(quiet)]
            mixed = dead + targets[10:]
            print("with 10 silent BMCs among the 100 (--timeout 5):")
            for concurrency in levels:
                start = time.monotonic()
                outcomes = PR.probe(mixed, concurrency, timeout=5)
                wall = time.monotonic() - start
                print(f"concurrency {concurrency:>2}"
                      f"{' (default)' if concurrency == default else '':10} {wall:6.2f} s wall, "
                      f"{sum(o.answered for o in outcomes)}/{len(outcomes)} answered, "
                      f"{sum(o.kind == PR.TIMEOUT for o in outcomes)} timed out")
        finally:
            for q in quiet:
                q.close()


if __name__ == "__main__":
    main()
