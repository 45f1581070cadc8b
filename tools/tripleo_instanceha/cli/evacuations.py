"""`tripleo-instanceha evacuations hold|release|list`: the runtime controls of evacuations.

Why commands and not a stack update: mid-incident (an evacuation storm) an
operator must stop or release evacuations in seconds; the evacuation agent
reads these records at every pass (doc/source/evacuation-agent.rst, "Storm
guard"). A named HOST acts on that compute; no HOST acts on the cluster-wide
kill switch. ``list`` reports; exit 0 when nothing is held, 1 when something
is, 2 when it could not run.
"""
from __future__ import annotations

import argparse
import time
from typing import List

from tripleo_instanceha.cli.base import EXIT_CLEAN, EXIT_FINDINGS, InstanceHACommand, Result
from tripleo_instanceha.cluster import holds


class Listing(Result):
    """The controls of one CIB, as text or JSON."""

    def __init__(self, found: holds.Holds, source: str):
        self.found, self.source = found, source
        self.exit_code = EXIT_FINDINGS if found.switch == "off" or found.held else EXIT_CLEAN

    def to_dict(self) -> dict:
        f = self.found
        return {"source": self.source, "kill_switch": f.switch,
                "kill_switch_set": f.switch_mark.to_dict() if f.switch_mark else None,
                "computes": list(f.computes),
                "guard": f.guard,
                "hosts": [dict(h.to_dict(), evacuate=(f.evacuate or {}).get(h.host))
                          for h in f.hosts],
                "held": [h.host for h in f.held],
                "evacuate_values_shown": f.evacuate is not None}

    def to_text(self) -> str:
        f = self.found
        lines = [f"Evacuation controls ({self.source})",
                 f"  kill switch: evacuations {f.switch}"
                 + (f" (by {f.switch_mark.by} at {holds.when(f.switch_mark.at)})"
                    if f.switch_mark is not None else "")
                 + (" (release with: tripleo-instanceha evacuations release)"
                    if f.switch == "off" else "")]
        if f.guard:
            lines.append("  storm guard: " + (
                f"threshold {f.guard['storm_threshold']}% of {len(f.computes)} computes "
                f"within {f.guard['storm_window']} s" if f.guard["storm_threshold"] > 0
                else "off") + ", max_per_pass "
                + (str(f.guard["max_per_pass"]) if f.guard["max_per_pass"] > 0 else "unlimited"))
        lines.append(f"  computes known to the cluster: {len(f.computes)}")
        if not f.hosts:
            lines.append("  no host has an evacuation record")
        for h in f.hosts:
            parts = [f"failed at {holds.when(h.failed_at)}"]
            if h.decision is not None:
                parts.append(f"{h.decision.state} by {h.decision.by} at "
                             f"{holds.when(h.decision.at)}")
            if h.hold is not None:
                parts.append(f"hold by {h.hold.by} at {holds.when(h.hold.at)}")
            if f.evacuate is not None:
                parts.append(f"evacuate={f.evacuate.get(h.host, '(none)')}")
            lines.append(f"  {h.host}: {'HELD' if h.held else 'not held'} ({'; '.join(parts)})")
        if f.evacuate is None:
            lines.append("  (a saved CIB has no evacuate attributes: run on a controller to "
                         "see them)")
        return "\n".join(lines)


class EvacuationsList(InstanceHACommand):
    """List the kill switch, the storm guard's records and the holds of each compute."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--cib", metavar="FILE",
                            help="read a CIB saved on a controller with 'cibadmin --query' "
                                 "instead of the live cluster")
        return parser

    def run_command(self, args: argparse.Namespace) -> Listing:
        if args.cib:
            return Listing(holds.read_file(args.cib), args.cib)
        return Listing(holds.read_live(), "live cluster")


class _Change(InstanceHACommand):
    reporting = False
    verb = ""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("hosts", nargs="*", metavar="HOST",
                            help="Instance HA computes, as the cluster names them (none: "
                                 "every evacuation, through the cluster-wide kill switch)")
        return parser

    def change(self, hosts: List[str], user: str, now: int) -> List[str]:
        raise NotImplementedError

    def run_command(self, args: argparse.Namespace) -> int:
        for line in self.change(list(dict.fromkeys(args.hosts)), holds.operator(),
                                int(time.time())):
            self.app.stdout.write(line + "\n")
        return EXIT_CLEAN


class EvacuationsHold(_Change):
    """Hold evacuations: of the named computes, or of all (the kill switch) when none is named.

    Held hosts are fenced as usual and keep asking for their evacuation; the
    evacuation agent starts none until they are released.
    """

    def change(self, hosts: List[str], user: str, now: int) -> List[str]:
        return holds.hold(hosts, user, now)


class EvacuationsRelease(_Change):
    """Release held evacuations: the named computes' (their own hold and the storm guard's),
    or, when none is named, the kill switch and every host the storm guard holds.

    A released host is evacuated at the agent's next pass, whatever the guard
    says; per-host holds of operators stay until released by name.
    """

    def change(self, hosts: List[str], user: str, now: int) -> List[str]:
        return holds.release(hosts, user, now)
