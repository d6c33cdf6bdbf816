"""The three renderers: symbols, colour, secrets, unknowns, escaping, schema, determinism."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from synthetic import CM, DEPLOY_KEY, KUST, NS, k8s, obj, one, plan_of, res

from fluxform.findings import Finding
from fluxform.graph import UNKNOWN, Resource, secret_marker
from fluxform.report import FORMATS, render
from fluxform.report.jsonfmt import to_dict
from fluxform.report.markdown import GITHUB_LIMIT

FINDINGS = [Finding("FF011", "error", "urn:x", "tenant runs as the controller", "set serviceAccountName"),
            Finding("FF020", "warning", "urn:y", "no interval jitter")]


def mixed() -> Any:
    before = [obj(NS, "keep"), obj(KUST, "edit", spec={"interval": "5m"}), obj(CM, "gone", data={"a": "1"}),
              obj(NS, "moved")]
    after = [obj(NS, "keep"), obj(KUST, "edit", spec={"interval": "1m"}), obj(NS, "new"),
             obj(NS, "moved", obj_name="moved-2")]
    return plan_of(before, after, FINDINGS)


def test_registry_has_one_renderer_per_format() -> None:
    assert sorted(FORMATS) == ["json", "markdown", "text"]
    with pytest.raises(ValueError, match="unknown plan format 'yaml'"):
        render(mixed(), "yaml")


def test_text_symbols_fields_and_closing_line() -> None:
    out = render(mixed(), "text")
    assert "  + kubernetes:core/v1:Namespace new will be created" in out
    assert "  ~ kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization edit will be updated in-place" in out
    assert "  - kubernetes:core/v1:ConfigMap gone will be destroyed" in out
    assert "-/+ kubernetes:core/v1:Namespace moved must be replaced" in out
    assert '      ~ spec.interval = "5m" -> "1m"' in out
    assert '      + metadata.name = "new"' in out and '      - data.a = "1"' in out
    assert '      ~ metadata.name = "moved" -> "moved-2"  # forces replacement' in out
    assert "keep" not in out  # no-ops are not listed
    assert "  ERROR FF011 urn:x: tenant runs as the controller (fix: set serviceAccountName)" in out
    assert "  WARNING FF020 urn:y: no interval jitter" in out
    assert out.endswith("Plan: 2 to add, 1 to change, 2 to destroy.\n")
    assert "1 to create, 1 to update, 1 to replace, 1 to delete, 1 unchanged." in out


def test_colour_only_when_asked() -> None:
    plan = mixed()
    assert "\x1b[" not in render(plan, "text") and "\x1b[" in render(plan, "text", color=True)
    for fmt in ("markdown", "json"):
        assert "\x1b[" not in render(plan, fmt, color=True)


def test_secret_changes_show_changed_but_no_value_or_fingerprint() -> None:
    raw_old, raw_new = "hunter2-old-CANARY", "hunter2-new-CANARY"
    def holder(value: str) -> Resource:
        return res(DEPLOY_KEY, "d", {"title": "t", "note": secret_marker(value),
                                     "nested": {"token": secret_marker(value), "plain": "p"}})
    plan = one(holder(raw_old), holder(raw_new))
    prints = {secret_marker(v)["fingerprint"] for v in (raw_old, raw_new)}
    for fmt in FORMATS:
        out = render(plan, fmt)
        assert "CANARY" not in out and not any(p in out for p in prints), fmt
    text = render(plan, "text")
    assert "~ note = (sensitive value)" in text and "~ nested.token = (sensitive value)" in text
    fields = json.loads(render(plan, "json"))["changes"][0]["fields"]
    assert [(f["path"], f["secret"], f["before"], f["after"]) for f in fields] == [
        ("nested.token", True, None, None), ("note", True, None, None)]
    assert one(holder(raw_old), holder(raw_old)).changes[0].op.value == "no-op"


def test_secret_created_reads_sensitive_and_nested_markers_are_scrubbed() -> None:
    created = render(one(None, res(DEPLOY_KEY, "d", {"key": secret_marker("CANARY")})), "text")
    assert "+ key = (sensitive value)" in created and "CANARY" not in created
    retyped = one(res(DEPLOY_KEY, "d", {"v": {"s": secret_marker("CANARY"), "u": UNKNOWN}}),
                  res(DEPLOY_KEY, "d", {"v": "flat"}))
    text = render(retyped, "text")
    assert '~ v = {"s": (sensitive value), "u": (known after apply)} -> "flat"' in text
    before = json.loads(render(retyped, "json"))["changes"][0]["fields"][0]["before"]
    assert before == {"s": {"$fluxform": "secret"}, "u": {"$fluxform": "unknown"}}


def test_unknown_values_read_known_after_apply() -> None:
    plan = one(res(DEPLOY_KEY, "d", {"key": "ssh-ed25519 A", "n": 1}), res(DEPLOY_KEY, "d", {"key": UNKNOWN, "n": 1}))
    assert '~ key = "ssh-ed25519 A" -> (known after apply)  # forces replacement' in render(plan, "text")
    (field,) = json.loads(render(plan, "json"))["changes"][0]["fields"]
    assert field["unknown"] is True and field["after"] is None and field["forcesReplacement"] is True
    assert "+ key = (known after apply)" in render(one(None, res(DEPLOY_KEY, "d", {"key": UNKNOWN})), "text")


def test_multiline_strings_get_a_line_diff() -> None:
    old = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n"
    new = old.replace("d: 4", "d: 40")
    plan = one(obj(KUST, "k", spec={"patch": old}), obj(KUST, "k", spec={"patch": new}))
    text = render(plan, "text")
    assert "      ~ spec.patch:\n            c: 3\n      -     d: 4\n      +     d: 40\n" in text
    assert "```diff\n~ spec.patch:\n      c: 3\n-     d: 4\n+     d: 40\n      e: 5\n```" in render(plan, "markdown")


def test_long_values_are_cut_around_the_difference() -> None:
    long_old = "x" * 900 + "OLD" + "y" * 50
    plan = one(obj(KUST, "k", spec={"v": long_old}), obj(KUST, "k", spec={"v": long_old.replace("OLD", "NEW")}))
    line = next(x for x in render(plan, "markdown").splitlines() if x.startswith("~ spec.v"))
    assert "OLD" in line and "NEW" in line and len(line) < 400


def test_markdown_layout() -> None:
    md = render(mixed(), "markdown")
    lines = md.splitlines()
    assert lines[0] == "<!-- fluxform-plan:fluxform/prod -->"
    assert lines[1] == "## fluxform plan: <code>fluxform</code> / <code>prod</code>"
    assert "**Plan: 2 to add, 1 to change, 2 to destroy.** Baseline: test." in md
    assert "| 1 | 1 | 1 | 1 | 1 | 1 | 1 | 1 |" in md
    assert "> [!CAUTION]\n> **1 deletion, 1 replacement, 1 policy error**" in md
    assert "> - **delete** <code>kubernetes:core/v1:ConfigMap gone</code>" in md
    assert "> - **replace** <code>kubernetes:core/v1:Namespace moved</code>: metadata.name forces replacement" in md
    assert "> - **ERROR FF011** <code>urn:x</code>: tenant runs as the controller (fix: set serviceAccountName)" in md
    assert "- **WARNING FF020** <code>urn:y</code>: no interval jitter" in md
    assert md.count("<details>") == 3  # replace, update, create; deletions are in the caution block
    assert md.index("Namespace moved</code> (") < md.index("Kustomization edit</code> (") < md.index("Namespace new</code> (")


def test_markdown_warning_block_for_risks_without_deletions() -> None:
    plan = one(obj(KUST, "k", spec={"prune": False}), obj(KUST, "k", spec={"prune": True}))
    assert "> [!WARNING]\n> **1 risk flag**\n>\n> - **R-PRUNE-ON** " in render(plan, "markdown")
    assert "[!" not in render(one(obj(NS, "a"), obj(NS, "a", labels={"x": "y"})), "markdown")


def test_markdown_escapes_user_text() -> None:
    evil = "x<script>alert(1)</script>*[link](http://e)|`-->"
    plan = plan_of([obj(CM, evil, namespace="a")], [], [Finding("FF1", "error", evil, evil)], baseline=evil)
    md = render(plan, "markdown")
    assert "<script>" not in md and "-->" not in md.split("\n", 1)[1]
    assert "&lt;script&gt;" in md and "&#91;link&#93;" in md and "&#124;&#96;--&gt;" in md
    fenced = one(obj(CM, "c", data={"a": "1"}), obj(CM, "c", data={"a": "````\n# ```"}))
    body = render(fenced, "markdown")
    assert "`````diff\n" in body  # the fence outgrows any backtick run in a value


def test_marker_is_safe_for_the_workflow_regex() -> None:
    plan = plan_of([], [obj(NS, "n")])
    weird = type(plan)("my proj<>", "st/ack --", plan.changes, summary=plan.summary)
    first = render(weird, "markdown").splitlines()[0]
    assert re.fullmatch(r"<!-- fluxform-plan:[\w.-]+/[\w.-]+ -->", first)


def test_text_strips_control_characters_from_names() -> None:
    plan = plan_of([], [res(NS, "evil\x1b[2J\rname", {"a": "\x1b[31m"})])
    out = render(plan, "text")
    assert "\x1b" not in out and "\r" not in out


def test_json_schema() -> None:
    doc = json.loads(render(mixed(), "json"))
    assert sorted(doc) == ["baseline", "changes", "findings", "format", "notes", "order", "project",
                           "stack", "summary"]
    assert doc["format"] == "fluxform.plan/v1" and (doc["project"], doc["stack"]) == ("fluxform", "prod")
    assert doc["summary"] == {"add": 2, "change": 1, "destroy": 2, "create": 1, "update": 1,
                              "delete": 1, "replace": 1, "noop": 1}
    for change in doc["changes"]:
        assert sorted(change) == ["deleteBeforeReplace", "fields", "name", "op", "previousUrn",
                                  "providerChange", "replaceReasons", "risks", "type", "urn"]
        assert isinstance(change["deleteBeforeReplace"], bool)
        for f in change["fields"]:
            assert sorted(f) == ["after", "before", "forcesReplacement", "kind", "path", "secret", "unknown"]
    assert doc["findings"][0] == {"rule": "FF011", "severity": "error", "subject": "urn:x",
                                  "message": "tenant runs as the controller", "hint": "set serviceAccountName"}
    assert [c["op"] for c in doc["changes"]] == ["no-op", "replace", "create", "update", "delete"]


def reordered(r: Resource) -> Resource:
    def flip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: flip(v[k]) for k in reversed(list(v))}
        return [flip(x) for x in v] if isinstance(v, list) else v
    return Resource(urn=r.urn, type=r.type, name=r.name, inputs=flip(dict(r.inputs)))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_output_is_byte_identical_and_independent_of_key_order(fmt: str) -> None:
    before = [obj(KUST, "k", spec={"b": 1, "a": {"y": 1, "x": 2}}), obj(CM, "c", data={"q": "1", "p": "2"})]
    after = [obj(KUST, "k", spec={"b": 2, "a": {"y": 3, "x": 4}}), obj(NS, "n", labels={"z": "1", "a": "2"})]
    first = render(plan_of(before, after, FINDINGS), fmt)
    assert first == render(plan_of(before, after, FINDINGS[::-1]), fmt)
    assert first == render(plan_of([reordered(r) for r in before], [reordered(r) for r in after], FINDINGS), fmt)


def test_markdown_default_limit_is_githubs() -> None:
    assert GITHUB_LIMIT == 65536
    with pytest.raises(ValueError, match="at least"):
        render(mixed(), "markdown", max_chars=100)


def test_helm_release_field_reads_well() -> None:
    hr = "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease"
    def release(version: str) -> Resource:
        return res(hr, "podinfo", k8s(hr, "podinfo", "apps", spec={"chart": {"spec": {"version": version}}}))
    assert '~ spec.chart.spec.version = "6.7.1" -> "6.8.0"' in render(one(release("6.7.1"), release("6.8.0")), "text")


def test_json_text_is_exactly_the_documented_data() -> None:
    odd = {"f": 1.5, "u": "é\u2028\"q\"", "n": None, "big": 10**20, "l": [True, {"b": 1, "a": UNKNOWN}],
           "s": secret_marker("x")}
    plans = [mixed(), one(None, obj(KUST, "k", spec=odd)), one(obj(KUST, "k", spec=odd), obj(KUST, "k", spec={"x": odd})),
             plan_of([], [])]
    for plan in plans:
        assert json.loads(render(plan, "json")) == to_dict(plan)
