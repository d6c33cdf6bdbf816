"""docs/spec.md lists every key of the field table, with its kind and default: the block
between the markers is generated (FLUXFORM_UPDATE_GOLDEN=1 rewrites it)."""

from __future__ import annotations

from pathlib import Path

from conftest import UPDATE

from fluxform.spec.reference import BEGIN, END, splice

DOC = Path(__file__).parents[2] / "docs" / "spec.md"


def test_key_reference_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    if UPDATE:
        DOC.write_text(splice(text), encoding="utf-8")
        return
    assert splice(text) == text, "docs/spec.md is stale: run the tests with FLUXFORM_UPDATE_GOLDEN=1"


def test_every_example_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in ("`version`", "`fleet.deploy_key.rotation`", "`tenants[].quota`", "`helm.releases[].values`",
                "`notifications.receivers[].resources`", "`policy.severities`", "yaml-language-server"):
        assert key in text
