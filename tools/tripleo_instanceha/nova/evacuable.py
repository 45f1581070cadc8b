"""Which instances fence_evacuate would evacuate, decided the way it decides.

Why mirror the agent rather than the docs: what counts is what runs. fence-agents'
``fence_evacuate`` (4.x, ``_host_evacuate`` and its helpers) collects the flavors whose
``evacuable`` extra spec is "true" (stripped, any case) and the images tagged
``evacuable``; when either set has a member only the instances whose flavor id or
image id is in one of them are evacuated, otherwise every instance on the host is. Two
details of how it collects them decide real clouds:

* the images come from one ``GET /v2/images`` through novaclient's
  ``GlanceManager.list``, which does not follow glance's ``next`` link, so only the
  first page counts (glance's ``limit_param_default``, 25 by default, newest first):
  an older tagged image silently stops counting when newer images are uploaded;
* with glance v2 an image has no ``metadata`` attribute, so a *property*
  ``evacuable=true`` is never read; only the tag is.

Both are findings here (rule ``nova-tagging``), since the operator's intent and the
agent's decision differ. Everything works on the plain data ``nova.read`` returns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from tripleo_instanceha.cluster.protection import Finding

TAG = "evacuable"
#: the values fence_evacuate accepts for the flavor extra spec (TRUE_TAGS)
TRUE_VALUES = ("true",)


@dataclass
class Instance:
    """One instance on an Instance HA compute, and why fence_evacuate would (not) take it."""

    id: str
    name: str
    host: str
    status: str
    evacuable: bool
    rule: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _true(value: Optional[str]) -> bool:
    return bool(value) and value.strip().lower() in TRUE_VALUES


def _names(items: List[dict]) -> Dict[str, str]:
    return {i["id"]: i.get("name") or i["id"] for i in items}


def tagged(data: dict) -> Tuple[Set[str], Set[str]]:
    """(flavor ids, image ids) fence_evacuate counts as tagged; both empty = no filtering."""
    seen = {i["id"] for i in data["images_first_page"]}
    return ({f["id"] for f in data["flavors"] if _true(f.get("evacuable"))},
            {i["id"] for i in data["images"] if TAG in (i.get("tags") or [])} & seen)


def decide(data: dict, hosts: List[str]) -> Tuple[List[Instance], List[Finding]]:
    """The instances on *hosts* (short names) with fence_evacuate's decision for each."""
    flavors, images = tagged(data)
    seen = {i["id"] for i in data["images_first_page"]}
    tagged_anywhere = {i["id"] for i in data["images"] if TAG in (i.get("tags") or [])}
    flavor_names, image_names = _names(data["flavors"]), _names(data["images"])
    filtering = bool(flavors or images)
    instances: List[Instance] = []
    for s in data["instances"]:
        if s["host"].split(".", 1)[0] not in hosts:
            continue
        flavor, image = s.get("flavor_id") or "", s.get("image_id") or ""
        fname = flavor_names.get(flavor, flavor or "none")
        iname = image_names.get(image, image) if image else "none (volume-backed)"
        if not filtering:
            evacuable, rule = True, "no flavor or image is tagged evacuable: every instance " \
                                    "is evacuated"
        elif flavor in flavors:
            evacuable, rule = True, f"flavor {fname} has {TAG}=true"
        elif image in images:
            evacuable, rule = True, f"image {iname} is tagged {TAG}"
        else:
            evacuable, rule = False, f"neither flavor {fname} nor image {iname} is tagged " \
                                     f"{TAG}"
        instances.append(Instance(s["id"], s["name"], s["host"], s["status"], evacuable, rule))
    findings = []
    for image in data["images"]:
        name = image.get("name") or image["id"]
        if image["id"] in tagged_anywhere and image["id"] not in seen:
            findings.append(Finding(
                "nova-tagging", f"image {name}",
                f"tagged {TAG} but not on the first page of glance's image list, the only "
                f"page fence_evacuate reads ({len(seen)} of {len(data['images'])} images): "
                "its instances are judged as untagged",
                f"tag their flavors instead ('openstack flavor set --property {TAG}=true "
                "FLAVOR'), or raise glance's limit_param_default above the number of images"))
        if image["id"] not in tagged_anywhere and _true((image.get("properties") or {}).get(TAG)):
            findings.append(Finding(
                "nova-tagging", f"image {name}",
                f"has the property {TAG}=true, which fence_evacuate does not read (glance v2: "
                "only the tag counts)",
                f"'openstack image set --tag {TAG} {image['id']}'"))
    return instances, findings
