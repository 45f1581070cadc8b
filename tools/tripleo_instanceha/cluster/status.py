"""What a running cluster says about itself, read without changing anything.

Why pacemaker's own tools and not our parser of the status section: whether
a node is online, unclean or in maintenance, and whether a resource runs or
has failed, is pacemaker's interpretation of the history (fail counts,
on-fail, migration thresholds), and ``crm_mon --output-as=xml`` is that
interpretation. The CIB itself (``cibadmin --query``) adds what crm_mon does
not show: the fencing topology, resource meta attributes, permanent node
attributes (the lifecycle tasks' maintenance mark) and transient ones
(``#node-unfenced``).

Two sources:

- the live cluster, on a controller: crm_mon, cibadmin, ``attrd_updater -n
  evacuate -A`` (fence_compute writes ``evacuate`` as a *private* attribute,
  ``attrd_updater -p``, which the attribute manager never writes to the CIB)
  and the fencer's history (``stonith_admin --history``, also not in the CIB);
- a saved ``cibadmin --query`` file (``--cib``): crm_mon reads it through
  ``CIB_file``; the evacuate attributes and the fencing history are not in it,
  and the snapshot says so.

Every command here only reads: ``crm_mon --one-shot``, ``cibadmin --query``,
``attrd_updater --query``, ``stonith_admin --history``.
"""
from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from tripleo_instanceha import fileio
from tripleo_instanceha.cluster.simulate import tool
from tripleo_instanceha.errors import InputError, InstanceHAError

#: Seconds any one read-only tool may take before the cluster counts as unreachable.
TOOL_TIMEOUT = 60
#: What a saved CIB cannot show, and why (said in every report made from a file).
NOT_IN_CIB = {
    "evacuate-attributes": "the 'evacuate' attributes fence_compute sets are private "
                           "attrd values (attrd_updater -p), never written to the CIB: run "
                           "on a controller to read them",
    "fencing-history": "the fencer keeps its history in memory, not in the CIB: run on a "
                       "controller to read it (stonith_admin --history)",
}
CIB_FIX = "save the whole CIB on a controller: cibadmin --query > cib.xml"


class ClusterUnreachable(InstanceHAError):
    """No cluster answered here (not a controller, pacemaker down, not root)."""


@dataclass
class FenceEvent:
    """One entry of the fencer's history."""

    target: str
    action: str
    status: str
    completed: str = ""
    delegate: str = ""


@dataclass
class Snapshot:
    """One consistent look at the cluster: the CIB, crm_mon's view, and the private parts."""

    #: "live" or "cib-file"
    kind: str
    #: the file read, or the controller's name
    source: str
    cib: ET.Element
    mon: ET.Element
    #: node -> value of its evacuate attribute; None when it could not be read
    evacuate: Optional[Dict[str, str]] = None
    #: None when it could not be read
    fence_history: Optional[List[FenceEvent]] = None
    #: what this snapshot does not show: key -> why
    not_shown: Dict[str, str] = field(default_factory=dict)


def _run(argv: Sequence[str], env: Optional[dict] = None) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full.update(env or {})
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, env=full,
                              timeout=TOOL_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ClusterUnreachable(f"{os.path.basename(argv[0])} did not answer within "
                                 f"{TOOL_TIMEOUT} s (fix: check that pacemaker runs here: "
                                 "systemctl status pacemaker)") from None


def _last_line(run: subprocess.CompletedProcess) -> str:
    """What a failed tool said, in one line.

    With ``--output-as=xml`` pacemaker's tools print their errors as XML on
    standard output (``<status code=... message=...><errors><error>``), and
    nothing on standard error: the last ``<error>`` is the message.
    """
    try:
        root = ET.fromstring(run.stdout) if run.stdout.lstrip().startswith("<") else None
    except ET.ParseError:
        root = None
    if root is not None:
        errors = [e.text.strip() for e in root.iter("error") if e.text and e.text.strip()]
        status = root.find("status")
        if errors:
            tool_name = os.path.basename(str(run.args[0])) if run.args else ""
            return errors[-1].removeprefix(f"{tool_name}: ")
        if status is not None and status.get("message"):
            return status.get("message", "")
    lines = (run.stderr or run.stdout).strip().splitlines()
    return lines[-1].strip() if lines else f"exit code {run.returncode}"


def _xml(text: str, what: str) -> ET.Element:
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise ClusterUnreachable(f"{what} printed no XML ({exc})") from None


# -- a saved CIB ---------------------------------------------------------------------------
def parse_cib(data: bytes, path: str) -> ET.Element:
    """The CIB of a saved ``cibadmin --query``, or InputError saying what it is instead."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError.single(path, f"is not XML ({exc})", field="--cib",
                                fix=CIB_FIX) from None
    if root.tag != "cib":
        raise InputError.single(path, f"is XML but not a CIB (its root is <{root.tag}>, not "
                                "<cib>)", field="--cib", fix=CIB_FIX)
    if root.find("configuration") is None:
        raise InputError.single(path, "has no <configuration> section", field="--cib",
                                fix=CIB_FIX)
    status = root.find("status")
    if status is None or status.find("node_state") is None:
        raise InputError.single(path, "has no node in its <status> section: it is a "
                                "configuration, not a running cluster's CIB", field="--cib",
                                fix=CIB_FIX + " (not --scope configuration)")
    return root


def read_file(path: str) -> Snapshot:
    """A snapshot of a saved CIB; crm_mon interprets its status section."""
    data = fileio.read_bytes(path)
    cib = parse_cib(data, path)
    crm_mon = tool("crm_mon")
    # crm_mon re-reads CIB_file itself: a private copy works for pipes too (the CIB
    # holds BMC and keystone passwords, so the copy is 0600 and always removed).
    with fileio.private_tempdir("status") as workdir:
        copy = os.path.join(workdir, "cib.xml")
        fileio.atomic_write(copy, data.decode("utf-8", "replace"))
        run = _run([crm_mon, "--one-shot", "--output-as=xml"],
                   env={"CIB_file": copy, "TZ": "UTC"})
    if run.returncode != 0 or not run.stdout.strip():
        raise InputError.single(path, f"crm_mon could not read it: {_last_line(run)}",
                                field="--cib", fix=CIB_FIX)
    try:
        mon = ET.fromstring(run.stdout)
    except ET.ParseError as exc:
        raise InputError.single(path, f"crm_mon printed no XML for it ({exc})",
                                field="--cib", fix=CIB_FIX) from None
    return Snapshot("cib-file", path, cib, mon, None, None, dict(NOT_IN_CIB))


# -- the live cluster ----------------------------------------------------------------------
def read_live() -> Snapshot:
    """A snapshot of the cluster this machine is a member of."""
    crm_mon = tool("crm_mon")
    run = _run([crm_mon, "--one-shot", "--output-as=xml"])
    if run.returncode != 0:
        raise ClusterUnreachable(f"no cluster reachable here: crm_mon said: {_last_line(run)} "
                                 "(fix: run as root on a controller, or pass --cib FILE "
                                 "saved there with cibadmin --query)")
    mon = _xml(run.stdout, "crm_mon")
    query = _run([tool("cibadmin"), "--query"])
    if query.returncode != 0:
        raise ClusterUnreachable(f"cibadmin --query failed: {_last_line(query)} (fix: run as "
                                 "root on a controller)")
    cib = _xml(query.stdout, "cibadmin --query")
    not_shown: Dict[str, str] = {}
    evacuate = read_evacuate(not_shown)
    history = read_fence_history(not_shown)
    name = ""
    dc = mon.find("summary/current_dc")
    if dc is not None:
        name = dc.get("name", "")
    return Snapshot("live", name or "live cluster", cib, mon, evacuate, history, not_shown)


def parse_evacuate(text: str) -> Dict[str, str]:
    """``name="evacuate" host="X" value="yes"`` lines (attrd_updater -A) as {host: value}."""
    found: Dict[str, str] = {}
    for line in text.splitlines():
        fields = _quoted_fields(line)
        if fields.get("name") == "evacuate" and "host" in fields:
            found[fields["host"]] = fields.get("value", "")
    return found


def _quoted_fields(line: str) -> Dict[str, str]:
    fields: Dict[str, str] = {}
    rest = line.strip()
    while "=" in rest:
        key, _, rest = rest.partition("=")
        key = key.strip()
        if not rest.startswith('"'):
            break
        value, _, rest = rest[1:].partition('"')
        fields[key] = value
    return fields


def _tool_or_note(name: str, section: str, not_shown: Dict[str, str]) -> Optional[str]:
    """The pacemaker tool's path; when it is missing, why the section cannot be shown."""
    try:
        return tool(name)
    except InstanceHAError as exc:
        not_shown[section] = str(exc)
        return None


def read_evacuate(not_shown: Dict[str, str]) -> Optional[Dict[str, str]]:
    """Every node's private evacuate attribute, or None (with the reason in not_shown)."""
    attrd = _tool_or_note("attrd_updater", "evacuate-attributes", not_shown)
    if attrd is None:
        return None
    run = _run([attrd, "--name", "evacuate", "--query", "--all"])
    if run.returncode == 0:
        return parse_evacuate(run.stdout)
    text = (run.stdout + run.stderr).lower()
    # 2.0 exits non-zero when no node has the attribute; that is "none pending"
    if "not found" in text or "no such" in text or "could not query value" in text:
        return {}
    not_shown["evacuate-attributes"] = f"attrd_updater failed: {_last_line(run)}"
    return None


def read_fence_history(not_shown: Dict[str, str]) -> Optional[List[FenceEvent]]:
    """The fencer's history for every target, or None (with the reason in not_shown)."""
    admin = _tool_or_note("stonith_admin", "fencing-history", not_shown)
    if admin is None:
        return None
    # --verbose: without it stonith_admin shows only the latest successful event
    run = _run([admin, "--history", "*", "--verbose", "--output-as=xml"])
    try:
        root = ET.fromstring(run.stdout) if run.stdout.strip() else None
    except ET.ParseError:
        root = None
    if root is None:
        not_shown["fencing-history"] = f"stonith_admin --history failed: {_last_line(run)}"
        return None
    return [FenceEvent(e.get("target", ""), e.get("action", ""), e.get("status", ""),
                       e.get("completed", ""), e.get("delegate", ""))
            for e in root.iter("fence_event")]
