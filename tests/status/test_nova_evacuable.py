"""fence_evacuate's instance filtering, as ``status`` predicts it, on plain data.

The real agent's decision on a real Nova and glance is checked in
test_nova_realcloud.py; these cases pin each branch of the rule.
"""
from tripleo_instanceha.nova.evacuable import decide

HOSTS = ["overcloud-novacomputeiha-0"]
HOST = "overcloud-novacomputeiha-0.localdomain"


def server(sid, flavor="f-plain", image="i-plain", host=HOST):
    return {"id": sid, "name": f"vm-{sid}", "status": "ACTIVE", "host": host,
            "flavor_id": flavor, "image_id": image}


def image(iid, tags=(), **props):
    return {"id": iid, "name": f"img-{iid}", "tags": list(tags), "properties": props}


def cloud(instances, flavors=(), images=(), first_page=None):
    images = list(images) or [image("i-plain")]
    return {"instances": instances,
            "flavors": [{"id": "f-plain", "name": "plain", "evacuable": None}, *flavors],
            "images": images, "images_first_page": images if first_page is None
            else first_page}


def decisions(data):
    instances, findings = decide(data, HOSTS)
    return {i.id: (i.evacuable, i.rule) for i in instances}, findings


def test_nothing_tagged_evacuates_everything_on_the_host_only():
    got, findings = decisions(cloud([server("a"), server("b", host="other.localdomain")]))
    everything = "no flavor or image is tagged evacuable: every instance is evacuated"
    assert got == {"a": (True, everything)}
    assert findings == []


def test_a_tagged_flavor_or_image_selects_and_the_rest_stays():
    data = cloud([server("a", flavor="f-ha"), server("b", image="i-ha"), server("c"),
                  server("d", image="")],
                 flavors=[{"id": "f-ha", "name": "ha", "evacuable": " True "}],
                 images=[image("i-plain"), image("i-ha", tags=["evacuable"])])
    got, findings = decisions(data)
    assert got == {"a": (True, "flavor ha has evacuable=true"),
                   "b": (True, "image img-i-ha is tagged evacuable"),
                   "c": (False, "neither flavor plain nor image img-i-plain is tagged "
                                "evacuable"),
                   "d": (False, "neither flavor plain nor image none (volume-backed) is "
                                "tagged evacuable")}
    assert findings == []


def test_a_flavor_spec_other_than_true_does_not_count():
    data = cloud([server("a", flavor="f-yes")],
                 flavors=[{"id": "f-yes", "name": "yes", "evacuable": "yes"}])
    assert decisions(data)[0]["a"][0] is True  # nothing counts as tagged: all evacuated


def test_an_image_property_is_not_a_tag():
    data = cloud([server("a", image="i-prop")], images=[image("i-prop", evacuable="true")])
    got, findings = decisions(data)
    assert got["a"][0] is True  # the agent sees no tag at all, so it evacuates everything
    assert [(f.rule, f.subject) for f in findings] == [("nova-tagging", "image img-i-prop")]
    assert "--tag evacuable i-prop" in findings[0].fix


def test_a_tagged_image_beyond_the_first_page_does_not_count():
    first = [image(f"i-{n}") for n in range(25)]
    old = image("i-old", tags=["evacuable"])
    data = cloud([server("a", image="i-old"), server("b", flavor="f-ha")],
                 flavors=[{"id": "f-ha", "name": "ha", "evacuable": "true"}],
                 images=first + [old], first_page=first)
    got, findings = decisions(data)
    assert got["a"] == (False, "neither flavor plain nor image img-i-old is tagged evacuable")
    assert got["b"][0] is True
    assert [(f.rule, f.subject) for f in findings] == [("nova-tagging", "image img-i-old")]
    assert "(25 of 26 images)" in findings[0].finding
