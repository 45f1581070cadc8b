"""Every check is documented (one line with its id, what it finds and the fix)."""
import os

from tripleo_instanceha.validate import rules
from tripleo_instanceha.validate.context import READ_RULE


def test_every_rule_has_a_doc_row_and_metadata(root):
    with open(os.path.join(root, "doc", "source", "validate.rst"), encoding="utf-8") as handle:
        doc = handle.read()
    ids = [m.ID for m in rules.all_rules()] + [READ_RULE, "plan"]
    assert len(set(ids)) == len(ids)
    for module in rules.all_rules():
        assert module.KIND in ("template", "plan")
        assert module.DESCRIPTION and module.FIX and callable(module.check)
    missing = [i for i in ids if f"* - ``{i}``" not in doc]
    assert missing == []
