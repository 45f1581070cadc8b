"""Read Nova through openstacksdk (clouds.yaml, ``OS_*``), as plain data.

Why plain data: the judging (``nova.judge``) is tested on dictionaries, and the
only code that talks to Nova is these few GETs. Nothing here writes.
Credentials never appear in a message: errors name the cloud and the
endpoint, and keystoneauth's own text (which carries no password).
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from tripleo_instanceha.errors import InstanceHAError

#: evacuation migrations and their host/status fields (2.59 adds uuid and paging)
MIGRATIONS = "/os-migrations?migration_type=evacuation"
MICROVERSION = "2.59"
#: fence_evacuate's microversion: servers carry their flavor's id (2.47 drops it)
AGENT_MICROVERSION = "2.11"
PAGE = 1000
TIMEOUT = 30


class NovaUnreachable(InstanceHAError):
    """Nova (or keystone) did not answer, or refused the credentials."""


def connect(cloud: Optional[str]):
    """An openstacksdk connection (clouds.yaml cloud, or ``OS_*`` when None)."""
    import openstack
    from openstack import exceptions as sdk_exc
    try:
        return openstack.connect(cloud=cloud, api_timeout=TIMEOUT)
    except sdk_exc.ConfigException as exc:
        raise NovaUnreachable(f"--os-cloud {cloud}: {first_line(exc)} (fix: name a cloud "
                              "of clouds.yaml, e.g. 'overcloud', or source overcloudrc and "
                              "omit --os-cloud)") from None


def first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def _instances(conn) -> List[dict]:
    """Every server, as fence_evacuate lists a host's (all projects, its microversion)."""
    out: List[dict] = []
    marker = ""
    while True:
        page = conn.compute.get(f"/servers/detail?all_tenants=1&limit={PAGE}{marker}",
                                microversion=AGENT_MICROVERSION).json()["servers"]
        for s in page:
            image = s.get("image")
            out.append({"id": s["id"], "name": s.get("name", ""), "status": s["status"],
                        "host": s.get("OS-EXT-SRV-ATTR:host") or "",
                        "flavor_id": (s.get("flavor") or {}).get("id", ""),
                        "image_id": image.get("id", "") if isinstance(image, dict) else ""})
        if len(page) < PAGE:
            return out
        marker = f"&marker={page[-1]['id']}"


def flavors(conn) -> List[dict]:
    """Every flavor, public or not, with its ``evacuable`` extra spec (as the agent reads)."""
    flavors = conn.compute.get("/flavors/detail?is_public=None").json()["flavors"]
    return [{"id": f["id"], "name": f.get("name", ""),
             "evacuable": conn.compute.get(f"/flavors/{f['id']}/os-extra_specs").json()
             .get("extra_specs", {}).get("evacuable")} for f in flavors]


def _image(raw: dict) -> dict:
    known = ("id", "name", "tags")
    return {"id": raw["id"], "name": raw.get("name") or "", "tags": raw.get("tags") or [],
            "properties": {k: v for k, v in raw.items()
                           if k not in known and isinstance(v, str)}}


def images(conn) -> Tuple[List[dict], List[dict]]:
    """(the first page of glance's list, which is all fence_evacuate reads; every image)."""
    answer = conn.image.get("/images").json()
    first = [_image(i) for i in answer.get("images", [])]
    everything = list(first)
    while answer.get("next"):
        # "next" is rooted at the API ("/v2/images?marker=..."), the adapter at /v2
        path = answer["next"]
        path = path[3:] if path.startswith("/v2/") else path
        answer = conn.image.get(path).json()
        everything += [_image(i) for i in answer.get("images", [])]
    return first, everything


def read(cloud: Optional[str]) -> dict:
    """services, hypervisors, evacuation migrations, servers in ERROR/REBUILD, and what
    fence_evacuate's instance filtering reads (flavors, images, every server)."""
    from keystoneauth1 import exceptions as ks_exc
    from openstack import exceptions as sdk_exc
    conn = connect(cloud)
    name = cloud or "OS_* environment"
    try:
        services = [{"host": s.host, "binary": s.binary, "state": s.state,
                     "status": s.status, "forced_down": bool(s.is_forced_down),
                     "disabled_reason": s.disabled_reason or ""}
                    for s in conn.compute.services() if s.binary == "nova-compute"]
        hypervisors = [h.name for h in conn.compute.hypervisors()]
        migrations = conn.compute.get(MIGRATIONS, microversion=MICROVERSION).json()
        instances, every_flavor = _instances(conn), flavors(conn)
        # from the one listing of every server, not a listing per status
        servers = [{k: i[k] for k in ("id", "name", "status", "host")}
                   for i in instances if i["status"] in ("ERROR", "REBUILD")]
        first_page, every_image = images(conn)
    except (ks_exc.ClientException, sdk_exc.SDKException) as exc:
        raise NovaUnreachable(f"Nova ({name}) could not be read: {first_line(exc)} (fix: "
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
            "servers": servers, "instances": instances, "flavors": every_flavor,
            "images_first_page": first_page, "images": every_image}
