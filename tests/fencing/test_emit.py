"""The fast YAML emitter reads back as exactly the data it was given."""
from __future__ import annotations

import random

import yaml

from tests.fencing import corpus
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.fencing.emit import to_yaml
from tripleo_instanceha.fencing.generator import build
from tripleo_instanceha.inventory import inventory_from_data

TRICKY = ["", " ", "-", "~", "null", "yes", "No", "on", "0x1F", "1:20", "12:34:56:12:34:56",
          "2001-01-01", ".inf", "1e3", "+1", "@x", "`x", "a: b", "a #b", "#a", "!x", "&a", "*a",
          "|", ">", "%x", "'q'", '"q"', "tab\there", "line\nbreak", "nul\0", "\u2028", "\x85",
          "\ud800", "\ufeff", "é😀", "=", "<<", "[x]", "{x}", "x,y", "a:", "?", "ok_plain-1.2/3"]


def test_tricky_strings_round_trip():
    data = {"k": TRICKY, "m": {s: s for s in TRICKY}, "n": [{"a": s, "b": [s]} for s in TRICKY],
            "e": {}, "l": [], "i": 623, "f": 1.5, "t": True, "z": None}
    assert yaml.safe_load(to_yaml(data)) == data


def test_random_strings_round_trip():
    rng = random.Random(11)
    chars = "ab:# -'\"\\\t{}[],&*!|>%@`=?~.0123456789eE+xXé😀\u2028\x85\x01/_\ud800\x7f\r\n"
    for _ in range(3000):
        text = "".join(rng.choice(chars) for _ in range(rng.randrange(0, 9)))
        data = {"v": text, "l": [text, {"a": text}], text or "e": 1}
        assert yaml.safe_load(to_yaml(data)) == data, repr(text)


def test_generated_environments_round_trip_and_indent_lists():
    nodes = corpus.inventory(5, 40)
    env = build(inventory_from_data(nodes, "x").nodes,
                D.Options(levels=("kdump", "power"))).environment()
    text = to_yaml(env)
    assert yaml.safe_load(text) == env
    assert "\n      level1:\n        - agent: fence_kdump\n" in text
