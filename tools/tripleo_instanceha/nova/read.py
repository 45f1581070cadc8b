"""Read Nova through openstacksdk (clouds.yaml, ``OS_*``), as plain data.

Why plain data: the judging (``nova.judge``) is tested on dictionaries, and the
only code that talks to Nova is these few GETs. Nothing here writes.
Credentials never appear in a message: errors name the cloud and the
endpoint, and keystoneauth's own text (which carries no password).
"""
from __future__ import annotations

from typing import Optional

from tripleo_instanceha.errors import InstanceHAError

#: evacuation migrations and their host/status fields (2.59 adds uuid and paging)
MIGRATIONS = "/os-migrations?migration_type=evacuation"
MICROVERSION = "2.59"
TIMEOUT = 30


class NovaUnreachable(InstanceHAError):
    """Nova (or keystone) did not answer, or refused the credentials."""


def _connect(cloud: Optional[str]):
    import openstack
    from openstack import exceptions as sdk_exc
    try:
        return openstack.connect(cloud=cloud, api_timeout=TIMEOUT)
    except sdk_exc.ConfigException as exc:
        raise NovaUnreachable(f"--os-cloud {cloud}: {_first_line(exc)} (fix: name a cloud "
                              "of clouds.yaml, e.g. 'overcloud', or source overcloudrc and "
                              "omit --os-cloud)") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def read(cloud: Optional[str]) -> dict:
    """services, hypervisors, evacuation migrations and servers in ERROR/REBUILD."""
    from keystoneauth1 import exceptions as ks_exc
    from openstack import exceptions as sdk_exc
    conn = _connect(cloud)
    name = cloud or "OS_* environment"
    try:
        services = [{"host": s.host, "binary": s.binary, "state": s.state,
                     "status": s.status, "forced_down": bool(s.is_forced_down),
                     "disabled_reason": s.disabled_reason or ""}
                    for s in conn.compute.services() if s.binary == "nova-compute"]
        hypervisors = [h.name for h in conn.compute.hypervisors()]
        migrations = conn.compute.get(MIGRATIONS, microversion=MICROVERSION).json()
        servers = []
        for status in ("ERROR", "REBUILD"):
            servers += [{"id": s.id, "name": s.name, "status": s.status,
                         "host": s.compute_host or ""}
                        for s in conn.compute.servers(all_projects=True, status=status)]
    except (ks_exc.ClientException, sdk_exc.SDKException) as exc:
        raise NovaUnreachable(f"Nova ({name}) could not be read: {_first_line(exc)} (fix: "
                              "check auth_url, the credentials and that nova-api answers: "
                              "'openstack compute service list')") from None
    finally:
        conn.close()
    return {"services": services, "hypervisors": hypervisors,
            "migrations": [{"instance_uuid": m.get("instance_uuid", ""),
                            "source_compute": m.get("source_compute") or "",
                            "dest_compute": m.get("dest_compute") or "",
                            "status": m.get("status", ""),
                            "updated_at": m.get("updated_at") or m.get("created_at") or ""}
                           for m in migrations.get("migrations", [])],
            "servers": servers}
