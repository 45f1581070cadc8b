"""Our tree, laid onto each real THT release, passes every template check (engine included)."""
import pytest

from tripleo_instanceha import tht
from tripleo_instanceha.validate import api
from tests.validate.conftest import RELEASES


@pytest.mark.parametrize("version", RELEASES)
def test_our_tree_on_release_is_clean(tmp_path, tht_tree, version):
    tree = tht.overlay(tht_tree(version), str(tmp_path / "tree"))
    findings = api.validate_templates(tree, engine=True)
    assert [f for f in findings if f.is_error] == [], "\n".join(map(str, findings))
    # Our files were checked in place, against the release itself.
    ctx = api.template_context(tree)
    assert ctx.root == tree and ctx.target.root == tree and ctx.templates


def test_unadapted_tree_on_train_is_caught(tht_tree):
    """Without the overlay's adaptation, Train's Heat and gate would refuse our templates."""
    findings = api.validate_templates(tht_tree("11.6.0"), engine=False)
    assert {"hot-version", "shared-parameter"} <= {f.rule for f in findings}
