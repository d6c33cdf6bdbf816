"""The checks of a plan through the cache (fluxform.cache.PlanChecks): when a stack's capture
and checks are both cached, the plan neither loads its spec nor evaluates the policy, and its
report is byte for byte the report of a plan without the cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cache_support import ROOT

import fluxform.policy
from fluxform import cache
from fluxform.findings import Finding
from fluxform.planning import PlanOptions, PlanResult, plan_stack
from fluxform.project import StackConfig


def _plan(stack: str, cache_dir: Path | None, fmt: str = "json") -> PlanResult:
    opts = PlanOptions(project_dir=str(ROOT), fmt=fmt,
                       cache_dir=str(cache_dir) if cache_dir is not None else None)
    result = plan_stack(opts, stack)
    assert result.error is None, result.error
    return result


def _refuse(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the checks ran although they were cached")


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = fluxform.policy.check_stack

    def count(spec: Any, graph: Any) -> Any:
        calls.append(graph.stack)
        return real(spec, graph)

    monkeypatch.setattr(fluxform.policy, "check_stack", count)
    return calls


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_cached_checks_give_the_same_report(tmp_path: Path, stack: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    real = fluxform.policy.check_stack

    def with_findings(spec: Any, graph: Any) -> list[Finding]:  # the examples have none
        return [*real(spec, graph), Finding("FF900", "warning", "urn:a", "message a", "hint"),
                Finding("FF901", "error", "urn:b", "message b")]

    monkeypatch.setattr(fluxform.policy, "check_stack", with_findings)
    fresh = _plan(stack, None)
    first = _plan(stack, tmp_path / "cache")
    assert first.cache == "head=miss"
    [entry] = cache.open_cache(tmp_path / "cache").entries(cache.bucket_of("checks", stack))
    header = json.loads(entry.read_bytes().split(b"\n", 1)[0])
    assert header["inputs"]["code:fluxform"] == cache.code_digest()
    assert f"file:project:stacks/{stack}.yaml" in header["inputs"]
    monkeypatch.setattr(StackConfig, "load_spec", _refuse)
    monkeypatch.setattr(fluxform.policy, "check_stack", _refuse)
    second = _plan(stack, tmp_path / "cache")
    assert second.cache == "head=hit"
    assert second.output == first.output == fresh.output
    assert (second.policy_errors, second.has_changes) == (fresh.policy_errors, fresh.has_changes)
    assert fresh.policy_errors >= 1 and "FF900" in fresh.output and "FF901" in fresh.output


def test_other_fluxform_files_run_the_checks_again(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = _plan("dev", tmp_path / "cache", "text")
    calls = _counting(monkeypatch)
    assert _plan("dev", tmp_path / "cache", "text").output == first.output
    assert calls == []
    monkeypatch.setattr(cache, "code_digest", lambda: "another fluxform")
    again = _plan("dev", tmp_path / "cache", "text")
    assert again.cache == "head=hit" and calls == ["dev"] and again.output == first.output
    assert _plan("dev", tmp_path / "cache", "text").output == first.output
    assert calls == ["dev"]  # stored for that code too


def test_a_damaged_checks_entry_is_checked_anew(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = _plan("dev", tmp_path / "cache")
    store = cache.open_cache(tmp_path / "cache")
    bucket = cache.bucket_of("checks", "dev")
    [entry] = store.entries(bucket)
    header = json.loads(entry.read_bytes().split(b"\n", 1)[0])
    store.store(bucket, header["static"], header["inputs"], '[["FF001", "fatal"]]\n')
    calls = _counting(monkeypatch)
    assert _plan("dev", tmp_path / "cache").output == first.output
    assert calls == ["dev"]
    assert "checks entry of stack 'dev' is damaged" in capsys.readouterr().err
