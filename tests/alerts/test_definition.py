"""The CIB ``<alerts>`` entry as data: stable ids, what it selects, and no secret in it."""
import xml.etree.ElementTree as ET

from tripleo_instanceha.cluster import alerts


def _params(element):
    return {nv.get("name"): nv.get("value")
            for nv in element.find("alert/instance_attributes").iter("nvpair")}


def test_the_default_entry():
    section = alerts.alerts_element()
    [alert] = section.findall("alert")
    assert alert.get("id") == "tripleo-instanceha-alert" and alert.get("path") == alerts.AGENT_PATH
    assert sorted(child.tag for child in alert.find("select")) == [
        "select_fencing", "select_nodes", "select_resources"]
    meta = {nv.get("name"): nv.get("value") for nv in alert.find("meta_attributes")}
    assert meta == {"timeout": "30s", "timestamp-format": "%Y-%m-%dT%H:%M:%S.%06N%z"}
    assert _params(section) == {"iha_textfile": alerts.TEXTFILE}
    assert alert.find("recipient") is None
    ids = [e.get("id") for e in section.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(i.startswith(alerts.PREFIX) for i in ids)


def test_a_webhook_token_is_a_path_never_a_value():
    section = alerts.alerts_element(webhook_url="https://hooks.example.com/iha",
                                    webhook_token_file="/etc/tripleo-instanceha/webhook.token",
                                    log_file="/var/log/tripleo-instanceha/events.log",
                                    syslog=False)
    assert _params(section) == {
        "iha_textfile": alerts.TEXTFILE, "iha_syslog": "false",
        "iha_webhook_url": "https://hooks.example.com/iha", "iha_webhook_timeout": "5",
        "iha_webhook_token_file": "/etc/tripleo-instanceha/webhook.token"}
    assert section.find("alert/recipient").attrib == {
        "id": "tripleo-instanceha-alert-log", "value": "/var/log/tripleo-instanceha/events.log"}


def test_ours_finds_only_the_project_s_alerts():
    cib = ET.Element("cib")
    conf = ET.SubElement(cib, "configuration")
    section = alerts.alerts_element()
    ET.SubElement(section, "alert", {"id": "operator-smtp", "path": "/usr/local/bin/smtp"})
    conf.append(section)
    assert alerts.ours(alerts.to_xml(cib)) == ["tripleo-instanceha-alert"]
    assert alerts.ours("<cib><configuration/></cib>") == []
    assert alerts.ours(alerts.to_xml(section)) == ["tripleo-instanceha-alert"]
