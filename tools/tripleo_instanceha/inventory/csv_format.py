"""The CSV tripleoclient accepts: pm_type, pm_addr, pm_user, pm_password, mac[, pm_port]."""
from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Tuple

from tripleo_instanceha.errors import InputError, Problem
from tripleo_instanceha.inventory.lines import LineDict

_CSV_COLUMNS = ("pm_type", "pm_addr", "pm_user", "pm_password", "mac")


def parse_csv(text: str, source: str) -> Tuple[Any, List[Problem]]:
    """tripleoclient's CSV: pm_type, pm_addr, pm_user, pm_password, mac[, pm_port]."""
    nodes: List[Dict[str, Any]] = []
    problems: List[Problem] = []
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError.single(source, f"broken CSV: {exc}", fix="correct the CSV syntax") \
            from None
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() == "pm_type":
            continue  # a header row
        if len(cells) < 5:
            problems.append(Problem(source, f"row has {len(cells)} columns, needs at least 5",
                                    line=number,
                                    fix="write pm_type,pm_addr,pm_user,pm_password,mac[,pm_port]"))
            continue
        if len(cells) > 6:
            problems.append(Problem(source, f"row has {len(cells)} columns, at most 6 are read",
                                    line=number,
                                    fix="write pm_type,pm_addr,pm_user,pm_password,mac[,pm_port]"))
            continue
        node = LineDict(zip(_CSV_COLUMNS[:4], cells[:4]))
        node["mac"] = [cells[4]]
        if len(cells) == 6 and cells[5]:
            node["pm_port"] = cells[5]
        node.line = number
        nodes.append(node)
    return nodes, problems
