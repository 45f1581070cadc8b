"""The CIB ``<alerts>`` entry that runs the Instance HA alert agent.

Why data here: the lifecycle tasks write it with ``cibadmin`` and the cluster
model will carry it, so both must produce the same ids; the disable path finds
ours by the id prefix and nothing else, so an operator's own alerts are never
touched. The agent is ``deployment/pacemaker/alerts/tripleo-instanceha-alert``
(doc/source/events.rst).

Attribute alerts are not selected: the evacuate attribute and every other
transient attribute change would start the agent on every controller for
nothing (evacuations are counted by the evacuation agent).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Dict, List, Optional

#: every id written here starts with it
PREFIX = "tripleo-instanceha"
ALERT_ID = PREFIX + "-alert"
#: where the lifecycle tasks install the agent on each controller
AGENT_PATH = "/usr/libexec/tripleo-instanceha/tripleo-instanceha-alert"
#: the agent's own default; node_exporter's --collector.textfile.directory points at its folder
TEXTFILE = "/var/lib/tripleo-instanceha/alerts/tripleo_instanceha.prom"
#: pacemaker kills an alert after this; the webhook's own bound is well inside it
TIMEOUT = "30s"
WEBHOOK_TIMEOUT = 5
#: one timestamp format on every stack, with microseconds
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%06N%z"


def _nvset(parent: ET.Element, tag: str, set_id: str, values: Dict[str, str]) -> None:
    element = ET.SubElement(parent, tag, {"id": set_id})
    for name, value in values.items():
        ET.SubElement(element, "nvpair", {"id": f"{set_id}-{name}", "name": name,
                                          "value": value})


def alert_element(path: str = AGENT_PATH, textfile: str = TEXTFILE,
                  log_file: Optional[str] = None, webhook_url: Optional[str] = None,
                  webhook_token_file: Optional[str] = None,
                  webhook_timeout: int = WEBHOOK_TIMEOUT, syslog: bool = True) -> ET.Element:
    """The ``<alert>``: fencing, node and resource events; a recipient only for a log file.

    A webhook token is given as a file path, never as a value: whatever is in
    the CIB is readable by every ``haclient`` member and in every CIB backup.
    """
    alert = ET.Element("alert", {"id": ALERT_ID, "path": path,
                                 "description": "Instance HA events: log lines, "
                                                "Prometheus textfile, webhook"})
    select = ET.SubElement(alert, "select")
    for kind in ("select_fencing", "select_nodes", "select_resources"):
        ET.SubElement(select, kind)
    _nvset(alert, "meta_attributes", f"{ALERT_ID}-meta",
           {"timeout": TIMEOUT, "timestamp-format": TIMESTAMP_FORMAT})
    params = {"iha_textfile": textfile}
    if not syslog:
        params["iha_syslog"] = "false"
    if webhook_url:
        params["iha_webhook_url"] = webhook_url
        params["iha_webhook_timeout"] = str(webhook_timeout)
        if webhook_token_file:
            params["iha_webhook_token_file"] = webhook_token_file
    _nvset(alert, "instance_attributes", f"{ALERT_ID}-params", params)
    if log_file:
        ET.SubElement(alert, "recipient", {"id": f"{ALERT_ID}-log", "value": log_file})
    return alert


def alerts_element(**options) -> ET.Element:
    """The whole ``<alerts>`` section holding only ours (for a CIB that has none yet)."""
    alerts = ET.Element("alerts")
    alerts.append(alert_element(**options))
    return alerts


def to_xml(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")


def ours(cib_xml: str) -> List[str]:
    """The ids of the alerts this project wrote, for the disable path to delete."""
    root = ET.fromstring(cib_xml)
    alerts = root if root.tag == "alerts" else root.find(".//configuration/alerts")
    if alerts is None:
        return []
    return [a.get("id", "") for a in alerts.findall("alert")
            if a.get("id", "").startswith(PREFIX)]
