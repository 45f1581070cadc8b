"""instackenv.json: JSON, with duplicate keys recorded and each node's line found."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Tuple

from tripleo_instanceha.errors import InputError, Problem, shorten
from tripleo_instanceha.inventory.lines import LineDict


def parse_json(text: str, source: str) -> Tuple[Any, List[Problem]]:
    duplicates: List[str] = []

    def pairs(items):
        result: Dict[str, Any] = {}
        for key, value in items:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError.single(source, f"broken JSON: {exc.msg}", line=exc.lineno,
                                fix="correct the syntax at that line") from None
    except RecursionError:
        raise InputError.single(source, "JSON nested too deeply", fix="flatten the document") \
            from None
    problems = [Problem(source, f"key '{shorten(key)}' appears twice in one object",
                        fix="keep one of them: the tools will not guess which one you meant")
                for key in duplicates]
    return _with_json_lines(text, data), problems


_WS = re.compile(r"[ \t\n\r]*")


def _with_json_lines(text: str, data: Any) -> Any:
    """Give each node mapping the line it starts on, so messages can point at it.

    json has no positions, so the node list is walked once more with
    raw_decode; anything unexpected just leaves the lines out.
    """
    nodes = data.get("nodes") if isinstance(data, dict) else data
    if not isinstance(nodes, list) or not nodes:
        return data
    try:
        decoder = json.JSONDecoder()
        pos = _WS.match(text, 0).end()
        if isinstance(data, dict):
            if text[pos] != "{":
                return data
            pos += 1
            while True:
                pos = _WS.match(text, pos).end()
                key, pos = decoder.raw_decode(text, pos)
                pos = _WS.match(text, pos).end() + 1  # the colon
                pos = _WS.match(text, pos).end()
                if key == "nodes":
                    break
                _, pos = decoder.raw_decode(text, pos)
                pos = _WS.match(text, pos).end() + 1  # the comma
        if text[pos] != "[":
            return data
        pos += 1
        line, counted, starts = 1, 0, []
        for _ in nodes:
            pos = _WS.match(text, pos).end()
            line += text.count("\n", counted, pos)
            counted = pos
            starts.append(line)
            _, pos = decoder.raw_decode(text, pos)
            pos = _WS.match(text, pos).end() + 1  # the comma or the closing bracket
    except (ValueError, IndexError, RecursionError):
        return data
    for index, (raw, start) in enumerate(zip(nodes, starts)):
        if isinstance(raw, dict):
            nodes[index] = LineDict(raw)
            nodes[index].line = start
    return data
