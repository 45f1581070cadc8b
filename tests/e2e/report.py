"""The timing table of the live cluster run (printed at the end of the session), and the
same measurements as JSON (``.cache/e2e-timings.json``) with the version of every part."""
from __future__ import annotations

import glob
import importlib.metadata
import json
import os
import subprocess
from typing import Dict, Optional

#: Every part of the recovery chain the e2e runs -> its Debian package or Python
#: distribution, or what stands in for it (doc/source/e2e.rst, "Real and stand-in parts").
COMPONENTS = {
    "corosync": ("deb", "corosync"),
    "pacemaker": ("deb", "pacemaker"),
    "pacemaker-remoted": ("deb", "pacemaker"),
    "fence_ipmilan, fence_redfish, fence_compute, fence_evacuate": ("deb", "fence-agents"),
    "ipmitool": ("deb", "ipmitool"),
    "IPMI BMC (emulated)": ("py", "pyghmi"),
    "Redfish BMC (emulated)": ("py", "sushy-tools"),
    "BMC power supply": ("stand-in", "tests/e2e/assets/bin/node-power"),
    "nova-evacuate-iha": ("project", "deployment/pacemaker/ocf/tripleo-instanceha/NovaEvacuate"),
    "keystone": ("stand-in", "tests/e2e/fake_openstack.py"),
    "nova": ("stand-in", "tests/e2e/fake_openstack.py"),
    "glance": ("stand-in", "tests/e2e/fake_openstack.py"),
    "ocf:openstack:NovaEvacuate": ("stand-in", "tests/e2e/assets/ocf/openstack/NovaEvacuate"),
}


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else "%.1f" % value


def rows(results: dict) -> list[tuple]:
    """(profile, monitor/reconnect, scenario, fenced, first evacuate, ACTIVE, returned)."""
    out = []
    for key, run in results.items():
        if key.startswith("_"):
            continue
        timing = "%d s / %d s" % (run.profile.monitor, run.profile.reconnect)
        for name, obs in run.observations.items():
            computes = [v for v in obs.victims if "compute" in v]
            fenced = max((obs.fenced.get(v) for v in computes if v in obs.fenced),
                         default=None)
            active = max(obs.active_elsewhere.values(), default=None)
            out.append((run.profile.title, timing, name, fenced, obs.first_evacuate, active,
                        obs.returned, obs.error))
    return out


def table(results: dict) -> str:
    head = ("profile", "monitor/reconnect", "scenario", "fenced", "1st evacuate",
            "VM ACTIVE", "compute back")
    body = [(p, t, s, _fmt(f), _fmt(e), _fmt(a), _fmt(r)) for p, t, s, f, e, a, r, _ in
            rows(results)]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, head))
    lines = [line, "  ".join("-" * w for w in widths)]
    lines += ["  ".join("%-*s" % (w, c) for w, c in zip(widths, row)) for row in body]
    lines.append("(seconds after the fault)")
    for key, run in results.items():
        if not key.startswith("_"):
            lines.append("%s: cluster up in %s s" % (run.profile.title, _fmt(run.bring_up)))
            for retry in getattr(run, "retries", ()):
                lines.append("%s: RETRIED ONCE %s" % (run.profile.title, retry))
            leave = run.observations.get("remote restart in maintenance")
            if leave is not None and not leave.error:
                lines.append("%s: leaving maintenance after the remote restart (shutdown "
                             "request pending: %s): %s, back after %s s" % (
                                 run.profile.title, "yes" if leave.shutdown_pending else
                                 "no, written by the scenario" if leave.shutdown_injected
                                 else "no",
                                 "FENCED the compute" if leave.fenced_on_leave
                                 else "nothing fenced", _fmt(leave.returned)))
    lines.append("")
    lines.append("measured vs the recovery budget of rehearse (seconds after the fault):")
    head = ("profile", "scenario", "1st evacuate", "budget", "VM ACTIVE", "budget")
    body = []
    for key, run in results.items():
        if key.startswith("_") or run.budget is None:
            continue
        first, rebuild = run.budget.to_first_evacuate, run.budget.to_rebuild
        for name, obs in run.observations.items():
            active = max(obs.active_elsewhere.values(), default=None)
            body.append((run.profile.title, name, _fmt(obs.first_evacuate),
                         "%g-%g" % first, _fmt(active), "%g-%g" % rebuild))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines.append("  ".join("%-*s" % (w, h) for w, h in zip(widths, head)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join("%-*s" % (w, c) for w, c in zip(widths, row)) for row in body]
    if "_wall" in results:
        lines.append("whole live cluster run: %.0f s" % results["_wall"])
    return "\n".join(lines) + "\n"


def _version(kind: str, name: Optional[str]) -> str:
    if kind == "deb":
        run = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name],
                             capture_output=True, text=True)
        return "%s %s (Debian)" % (name, run.stdout.strip()) if run.returncode == 0 \
            else "%s: not installed" % name
    if kind == "py":
        try:
            return "%s %s" % (name, importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            return "%s: not installed" % name
    if kind == "project":   # the product's own, as the lifecycle tasks install it
        return "the project's (%s)" % name
    return "stand-in (%s)" % name


def components() -> Dict[str, str]:
    return {part: _version(kind, name) for part, (kind, name) in COMPONENTS.items()}


#: What the real-Nova run (test_real_nova.py) runs instead of COMPONENTS' stand-ins.
REAL_NOVA = {
    "keystone": ("cloud", "keystone"),
    "placement": ("cloud", "openstack-placement"),
    "glance": ("cloud", "glance"),
    "nova (API, conductor, scheduler, nova-compute with the fake virt driver)":
        ("cloud", "nova"),
    "MariaDB": ("deb", "mariadb-server"),
    "RabbitMQ": ("deb", "rabbitmq-server"),
    "start guard of nova-compute": (
        "project", "deployment/pacemaker/compute/check-run-nova-compute"),
    "neutron": ("stand-in", "tests/realcloud/neutron_stub.py"),
}
CLOUD_VENV = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), ".venv-cloud")


def _cloud_version(name: str) -> str:
    """A distribution's version in .venv-cloud (another interpreter's site-packages)."""
    paths = glob.glob(os.path.join(CLOUD_VENV, "lib", "python3*", "site-packages"))
    for dist in importlib.metadata.distributions(path=paths):
        if (dist.metadata["Name"] or "").lower() == name:
            return "%s %s (PyPI)" % (name, dist.version)
    return "%s: not installed" % name


def real_nova_components() -> Dict[str, str]:
    return {part: _cloud_version(name) if kind == "cloud" else _version(kind, name)
            for part, (kind, name) in REAL_NOVA.items()}


def real_nova_rows(run) -> list:
    """The real-Nova run's crashes, as the profile rows (seconds after the fault)."""
    names = ("compute crash", "crash onto the returned compute")
    rows = []
    for i, c in enumerate(run.crashes):
        rows.append({"profile": "real nova", "scenario": names[i] if i < len(names) else str(i),
                     "fenced": _round(c.fenced), "first_evacuate": _round(c.first_evacuation),
                     "active": _round(max(c.active.values(), default=None)),
                     "back": _round(c.returned), "error": None})
    drill = _drill_report(run)
    if drill is not None:   # its timeline counts from the crash (the BMC's power-off)
        def at(prefix):
            return next((_round(e["at_s"]) for e in drill["timeline"]
                         if e["event"].startswith(prefix)), None)
        rows.append({"profile": "real nova", "scenario": "drill (bmc-power-off)",
                     "fenced": at("%s forced down" % drill["compute"]),
                     "first_evacuate": at("canary rebuilding"),
                     "active": at("canary ACTIVE on %s" % drill["recovered_on"])
                     if drill.get("recovered_on") else None,
                     "back": at("%s back in service" % drill["compute"]),
                     "error": None if drill["verdict"] == "passed" else drill["verdict"]})
    return rows


def _drill_report(run) -> Optional[dict]:
    if not run.drill or not run.drill[1]:
        return None
    try:
        report = json.loads(run.drill[1])
    except ValueError:
        return None
    # a drill that could not run prints {"error": [...]}: no timeline to report
    return report if isinstance(report, dict) and "timeline" in report else None


def real_nova_text(run) -> str:
    lines = ["real Nova run (project profile): %s" % (
        "failed: %s" % run.error if run.error else "passed")]
    for row in real_nova_rows(run):
        lines.append("  %-32s fenced %s  1st evacuation %s  VMs ACTIVE %s  compute back %s"
                     % (row["scenario"], _fmt(row["fenced"]), _fmt(row["first_evacuate"]),
                        _fmt(row["active"]), _fmt(row["back"])))
    drill = _drill_report(run)
    if drill is not None:
        lines.append("  the drill's timeline (seconds from the crash):")
        lines += ["    %+7.1f  %s" % (e["at_s"], e["event"]) for e in drill["timeline"]]
    lines.append("  set-up (s since start): %s; control plane RSS %s MiB; whole run %s s" % (
        ", ".join("%s %s" % (k, v) for k, v in run.timings.items() if k != "run"),
        run.rss_mb, run.timings.get("run")))
    return "\n".join(lines) + "\n"


def timings(results: dict) -> dict:
    """``components`` and one row per profile and scenario: seconds after the fault, None
    where not reached."""
    out = []
    for key, run in results.items():
        if key.startswith("_"):
            continue
        for name, obs in run.observations.items():
            computes = [v for v in obs.victims if "compute" in v]
            fenced = max((obs.fenced[v] for v in computes if v in obs.fenced), default=None)
            out.append({"profile": run.profile.key, "scenario": name,
                        "fenced": _round(fenced), "first_evacuate": _round(obs.first_evacuate),
                        "active": _round(max(obs.active_elsewhere.values(), default=None)),
                        "back": _round(obs.returned), "error": obs.error})
    return {"components": components(), "rows": out}


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)
