"""`fluxform apply` end to end against the stand-in `pulumi`: the happy path, every refusal,
every engine failure, and the post-apply check. A refusal or failure never reaches `pulumi up`
(or stops where the engine stopped) and fluxform never writes the state."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from apply_support import (
    Run,
    Standin,
    assert_one_line_error,
    engine_plan_of,
    events_of,
    export_of,
    fluxform,
    install_standin,
    make_project,
)
from conftest import assert_golden

from fluxform.commands import apply as apply_command
from fluxform.graph import Graph
from fluxform.stackrun import capture_stack

GOLDEN = Path(__file__).parent / "golden"
UP_ARGS = ["--yes", "--skip-preview", "--json", "--non-interactive", "--color", "never"]


@dataclass
class World:
    """A project (alpha's size 1 -> 2), its deployed state, the stand-in, a reviewed plan."""

    root: Path
    standin: Standin
    desired: Graph
    deployed: Graph
    before: dict[str, Any]
    after: dict[str, Any]
    plan_file: Path
    plan: dict[str, Any]

    def apply(self, capsys: pytest.CaptureFixture[str], *extra: str) -> Run:
        return fluxform(capsys, "apply", "--project", str(self.root), "--stack", "dev", *extra)

    def script(self, **scenario: Any) -> None:
        """The engine of a faithful apply of the reviewed plan, with `scenario` changes."""
        base = {"exports": [self.before, self.after], "plan": engine_plan_of(self.plan, gamma="no-op"),
                "events": events_of(self.plan, gamma="no-op")}
        self.standin.scenario.clear()
        self.standin.set(**(base | scenario))
        self.standin.reset()


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> World:
    standin = install_standin(tmp_path, monkeypatch)
    root = make_project(tmp_path / "project")
    old = make_project(tmp_path / "deployed", size="1")
    desired, deployed = capture_stack(root, "dev"), capture_stack(old, "dev")
    before = export_of(deployed)
    after = export_of(desired, time="2026-11-02T10:00:00Z")
    standin.set(exports=[before])
    plan_file = tmp_path / "reviewed.json"
    run = fluxform(capsys, "plan", "--project", str(root), "--stack", "dev", "--state-from-stack",
                   "--save-plan", str(plan_file), "--detailed-exitcode")
    assert run.code == 2, run
    plan = json.loads(plan_file.read_text())["plan"]
    w = World(root, standin, desired, deployed, before, after, plan_file, plan)
    w.script()
    return w


def test_the_reviewed_plan_holds_what_apply_checks(world: World) -> None:
    doc = json.loads(world.plan_file.read_text())
    assert doc["format"] == "fluxform.reviewed-plan/v1"
    assert (doc["project"], doc["stack"]) == ("standin", "dev")
    assert doc["baseline"]["kind"] == "state"
    assert doc["baseline"]["lastUpdate"] == {"time": "2026-11-01T10:00:00Z", "magic": "0f3e6a7c1b2d4e5f",
                                             "cliVersion": "v3.259.0"}
    assert doc["baseline"]["resources"] == 3 and doc["desired"]["resources"] == 3
    assert doc["config"]["path"] == "Pulumi.dev.yaml" and doc["spec"] is None
    ops = {c["name"]: c["op"] for c in doc["plan"]["changes"]}
    assert ops == {"alpha": "update", "beta": "no-op", "gamma": "no-op"}
    assert set(doc["versions"]) == {"fluxform", "pulumi"}
    # No secret, no ciphertext, no fingerprint of anything secret.
    text = world.plan_file.read_text()
    for leaked in ('"fingerprint"', "c2VjcmV0", "Y2lwaGVydGV4dA", "fluxform-secret-placeholder"):
        assert leaked not in text
    assert not re.search(r"sha256:[0-9a-f]{16}\b", text)  # only whole-file digests (64 hex)


def test_plan_state_from_stack_reads_the_backend_through_the_engine(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(exports=[world.before])
    run = fluxform(capsys, "plan", "--project", str(world.root), "--stack", "dev", "--state-from-stack",
                   "--format", "json")
    assert run.code == 0, run
    assert json.loads(run.out)["baseline"] == "pulumi state of stack dev (backend)"
    assert world.standin.calls() == [["stack", "export", "--stack", "dev", "--non-interactive"]]


def test_save_plan_is_deterministic(world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    again = tmp_path / "again.json"
    world.script(exports=[world.before])
    fluxform(capsys, "plan", "--project", str(world.root), "--stack", "dev", "--state-from-stack",
             "--save-plan", str(again))
    assert again.read_text() == world.plan_file.read_text()


def test_apply_exactly_the_reviewed_plan(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    run = world.apply(capsys, str(world.plan_file))
    assert run.code == 0, run
    assert run.err == ""
    calls = world.standin.calls()
    assert world.standin.commands() == ["version", "whoami", "stack export", "preview", "up",
                                        "stack export"]
    assert calls[:3] == [["version"], ["whoami", "--json", "--non-interactive"],
                         ["stack", "export", "--stack", "dev", "--non-interactive"]]
    preview, up = calls[3], calls[4]
    assert preview[5:] == ["--non-interactive", "--color", "never"]
    assert preview[:4] == ["preview", "--stack", "dev", "--save-plan"]
    assert up[:4] == ["up", "--stack", "dev", "--plan"] and up[5:] == UP_ARGS
    assert up[4] == preview[4]  # the update is constrained to the plan the preview saved
    assert not Path(up[4]).exists()  # and that plan (it may hold ciphertext) is gone
    assert_golden(GOLDEN / "apply-as-planned.txt", run.out.replace(str(world.plan_file), "REVIEWED"))


def test_apply_a_plan_made_from_a_state_file(world: World, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(world.before))
    reviewed = tmp_path / "from-file.json"
    run = fluxform(capsys, "plan", "--project", str(world.root), "--stack", "dev", "--state", str(export),
                   "--save-plan", str(reviewed))
    assert run.code == 0, run
    assert json.loads(reviewed.read_text())["baseline"]["source"] == "file export.json"
    assert world.apply(capsys, str(reviewed)).code == 0


def test_nothing_to_apply(world: World, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    world.script(exports=[world.after])
    reviewed = tmp_path / "noop.json"
    fluxform(capsys, "plan", "--project", str(world.root), "--stack", "dev", "--state-from-stack",
             "--save-plan", str(reviewed))
    doc = json.loads(reviewed.read_text())
    assert {c["op"] for c in doc["plan"]["changes"]} == {"no-op"}
    world.script(exports=[world.after])
    run = world.apply(capsys, str(reviewed))
    assert run.code == 0, run
    assert run.out.endswith("No changes. Nothing to apply.\n")
    assert world.standin.commands() == ["version", "whoami", "stack export"]


def test_new_stack_with_no_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    standin = install_standin(tmp_path, monkeypatch)
    root = make_project(tmp_path / "p")
    reviewed = tmp_path / "new.json"
    run = fluxform(capsys, "plan", "--project", str(root), "--stack", "dev", "--save-plan", str(reviewed))
    assert run.code == 0, run
    doc = json.loads(reviewed.read_text())
    assert doc["baseline"]["kind"] == "none" and standin.calls() == []
    empty = export_of(None)
    desired = capture_stack(root, "dev")
    standin.set(exports=[empty, export_of(desired)], plan=engine_plan_of(doc["plan"]),
                events=events_of(doc["plan"]))
    run = fluxform(capsys, "apply", "--project", str(root), "--stack", "dev", str(reviewed))
    assert run.code == 0, run
    assert "Apply complete: 3 created, 0 updated, 0 replaced, 0 deleted." in run.out
    # Someone deployed meanwhile: the stack is no longer empty.
    standin.reset()
    standin.set(exports=[export_of(desired)])
    run = fluxform(capsys, "apply", "--project", str(root), "--stack", "dev", str(reviewed))
    assert_one_line_error(run, "stack dev is no longer empty: 3 resource(s) were deployed")
    assert "up" not in standin.commands()


# --- refusals: one line, exit 1, `pulumi up` never runs ---------------------------------------

def _refused(world: World, run: Run, *needles: str) -> None:
    assert_one_line_error(run, *needles)
    assert "up" not in world.standin.commands() and "preview" not in world.standin.commands()


def test_refuses_a_changed_config(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    make_project(world.root, size="3")
    _refused(world, world.apply(capsys, str(world.plan_file)),
             "Pulumi.dev.yaml changed since the plan was made", "--save-plan FILE")
    assert world.standin.calls() == []  # refused offline, before any engine call


def test_refuses_a_changed_secret(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    config = world.root / "Pulumi.dev.yaml"
    config.write_text(config.read_text().replace("c2VjcmV0", "b3RoZXI="))
    _refused(world, world.apply(capsys, str(world.plan_file)), "Pulumi.dev.yaml changed since")


def test_refuses_a_changed_program(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    main = world.root / "prog" / "__main__.py"
    main.write_text(main.read_text() + 'Thing("delta", {})\n')
    _refused(world, world.apply(capsys, str(world.plan_file)),
             "the program's desired graph of stack dev changed since the plan was made")
    assert world.standin.calls() == []


def _repo_copy(tmp_path: Path) -> Path:
    """The repository's dev stack: Pulumi.yaml, Pulumi.dev.yaml and the program (stacks/)."""
    import shutil

    from conftest import ROOT

    root = tmp_path / "repo"
    root.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "stacks", root / "stacks")
    return root


def test_the_dev_stack_applies_onto_a_new_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The real program: 47 creates, the engine's plan and events for them, the state after."""
    standin = install_standin(tmp_path, monkeypatch)
    root = _repo_copy(tmp_path)
    reviewed = tmp_path / "dev.json"
    run = fluxform(capsys, "plan", "--project", str(root), "--stack", "dev", "--save-plan", str(reviewed))
    assert run.code == 0, run
    plan = json.loads(reviewed.read_text())["plan"]
    desired = capture_stack(root, "dev")
    standin.set(exports=[export_of(None), export_of(desired)], plan=engine_plan_of(plan),
                events=events_of(plan))
    run = fluxform(capsys, "apply", "--project", str(root), "--stack", "dev", str(reviewed))
    assert run.code == 0, run
    total = plan["summary"]["create"]
    assert f"Apply complete: {total} created, 0 updated, 0 replaced, 0 deleted." in run.out
    assert f"[{total}/{total}]" in run.out and "Post-apply check: every reviewed operation happened" in run.out


def test_refuses_a_changed_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """The real project's dev stack: editing stacks/dev.yaml after review is named."""
    install_standin(tmp_path, monkeypatch)
    root = _repo_copy(tmp_path)
    reviewed = tmp_path / "dev.json"
    run = fluxform(capsys, "plan", "--project", str(root), "--stack", "dev", "--save-plan", str(reviewed))
    assert run.code == 0, run
    spec = root / "stacks" / "dev.yaml"
    spec.write_text(spec.read_text() + "\n# edited after review\n")
    run = fluxform(capsys, "apply", "--project", str(root), "--stack", "dev", str(reviewed))
    assert_one_line_error(run, "stacks/dev.yaml changed since the plan was made")


def test_refuses_when_someone_applied_in_between(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(exports=[export_of(world.deployed, time="2026-11-01T11:30:00Z")])
    _refused(world, world.apply(capsys, str(world.plan_file)),
             "stack dev was updated since the plan was made (checkpoint of 2026-11-01T11:30:00Z, "
             "reviewed against 2026-11-01T10:00:00Z)")


def test_refuses_a_state_that_differs_under_the_same_checkpoint(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(exports=[export_of(world.deployed, beta={"label": "edited"})])
    _refused(world, world.apply(capsys, str(world.plan_file)),
             "the deployed state of stack dev differs from the plan's baseline")


def test_refuses_pending_operations(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(exports=[export_of(world.deployed, pending=2)])
    _refused(world, world.apply(capsys, str(world.plan_file)),
             "stack dev has 2 pending operation(s) from an interrupted update")


def test_refuses_when_the_engine_would_do_something_else(
        world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(plan=engine_plan_of(world.plan, alpha="replace", beta="update"))
    run = world.apply(capsys, str(world.plan_file))
    assert_one_line_error(run, "the engine's preview of stack dev differs from the reviewed plan",
                          "test:index:Thing alpha: reviewed update, the engine would replace",
                          "test:index:Thing beta: reviewed no-op, the engine would update")
    assert "up" not in world.standin.commands()


def test_refuses_an_unplanned_engine_step(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(plan=engine_plan_of(world.plan, beta="import"))
    assert_one_line_error(world.apply(capsys, str(world.plan_file)),
                          "beta: reviewed no-op, the engine would import")


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda d: d.update(stack="prod"), "is the reviewed plan of standin/prod, not standin/dev"),
    (lambda d: d["versions"].update(fluxform="0.0.1"), "was made with fluxform 0.0.1, this is"),
    (lambda d: d["versions"].update(pulumi="3.1.0"), "was made with pulumi 3.1.0, this is"),
    (lambda d: d["plan"]["changes"][0]["fields"].clear(), "the plan recomputed from the same inputs differs"),
    (lambda d: d["plan"]["findings"].append({"rule": "FF001", "severity": "error", "subject": "x",
                                             "message": "m", "hint": ""}), "has 1 policy error(s)"),
    (lambda d: d.update(format="fluxform.plan/v1"), "format: expected 'fluxform.reviewed-plan/v1'"),
    (lambda d: d.pop("baseline"), "baseline: missing"),
    (lambda d: d["baseline"].update(kind="graph"), "baseline.kind: expected 'state' or 'none'"),
    (lambda d: d["plan"]["changes"][0].update(op="explode"), "plan.changes[0]: expected {urn, op}"),
])
def test_refuses_an_edited_or_foreign_plan_file(world: World, capsys: pytest.CaptureFixture[str],
                                                edit: Any, needle: str) -> None:
    doc = json.loads(world.plan_file.read_text())
    edit(doc)
    world.plan_file.write_text(json.dumps(doc))
    _refused(world, world.apply(capsys, str(world.plan_file)), needle)


def test_refuses_a_file_that_is_not_json(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.plan_file.write_text('{\n "format":\n}\n')
    _refused(world, world.apply(capsys, str(world.plan_file)),
             f"{world.plan_file}:3: (file): invalid JSON")
    _refused(world, world.apply(capsys, str(world.plan_file) + ".missing"), "cannot read the reviewed plan")


def test_save_plan_needs_a_state_baseline(world: World, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    graph = tmp_path / "g.json"
    graph.write_text(world.desired.to_json())
    run = fluxform(capsys, "plan", "--project", str(world.root), "--stack", "dev", "--baseline", str(graph),
                   "--save-plan", str(tmp_path / "x.json"))
    assert_one_line_error(run, "--save-plan needs the deployed state as the baseline")
    run = fluxform(capsys, "plan", "--project", str(world.root), "--stack", "dev", "--state-from-stack",
                   "--base-ref", "HEAD")
    assert_one_line_error(run, "choose at most one of")


# --- the engine boundary's failures: one line each, state untouched --------------------------

def test_missing_cli(world: World, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    run = world.apply(capsys, str(world.plan_file))
    assert_one_line_error(run, "the pulumi CLI was not found on PATH", "fluxform changed nothing")
    run = fluxform(capsys, "plan", "--project", str(world.root), "--stack", "dev", "--state-from-stack")
    assert_one_line_error(run, "the pulumi CLI was not found on PATH")


def test_not_logged_in(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(fail={"whoami": {"code": 3, "stderr": "error: PULUMI_ACCESS_TOKEN must be set for "
                                                        "login during non-interactive CLI sessions"}})
    _refused(world, world.apply(capsys, str(world.plan_file)),
             "not logged in to a Pulumi backend (hint: `pulumi login`")
    assert world.standin.commands() == ["version", "whoami"]


def test_cli_too_old(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(version="v3.99.1")
    _refused(world, world.apply(capsys, str(world.plan_file)), "pulumi CLI v3.99.1 is older than 3.200.0")


def test_stack_missing_in_the_backend(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(fail={"stack export": {"code": 6, "stderr": "error: no stack named 'dev' found"}})
    _refused(world, world.apply(capsys, str(world.plan_file)), "stack dev does not exist in the backend")


LOCKED = ("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) "
          "to end or delete the lock file with `pulumi cancel`.\n  "
          "file:///state/.pulumi/locks/organization/standin/dev/1.json: created by ci@runner")


def test_locked_stack_at_preview(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(fail={"preview": {"code": 1, "stderr": LOCKED}})
    run = world.apply(capsys, str(world.plan_file))
    assert_one_line_error(run, "stack dev is locked by another update", "pulumi cancel")
    assert "up" not in world.standin.commands()


def test_locked_stack_at_up(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(fail={"up": {"code": 1, "stderr": "error: [409] Conflict: Another update is currently "
                                                   "in progress."}})
    run = world.apply(capsys, str(world.plan_file))
    assert_one_line_error(run, "the update failed: stack dev is locked by another update")
    assert world.standin.commands()[-1] == "up"  # nothing after: no export, no check


def test_failed_update(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    events = events_of(world.plan, gamma="no-op")
    meta = {"op": "update", "urn": world.plan["changes"][0]["urn"], "type": "test:index:Thing"}
    failing = [*events[:2], {"diagnosticEvent": {"urn": meta["urn"], "severity": "error", "color": "never",
                                                 "message": "the provider said no\nsecond line"}},
               {"resOpFailedEvent": {"metadata": meta, "status": 1, "steps": 0}}]
    world.script(events=failing, fail={"up": {"code": 1, "after_events": 4,
                                              "stderr": "error: update failed"}})
    run = world.apply(capsys, str(world.plan_file))
    assert_one_line_error(run, "the update failed: `pulumi up` failed for stack dev (exit 1): "
                               "the provider said no", "the stack is as the engine left it")
    assert "  ! test:index:Thing alpha: updating failed" in run.out
    assert "second line" not in run.out + run.err


# --- the post-apply check ----------------------------------------------------------------------

def test_applied_but_an_operation_differs(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    world.script(events=events_of(world.plan, alpha="replace", gamma="no-op"))
    run = world.apply(capsys, str(world.plan_file))
    assert run.code == apply_command.EXIT_DIFFERS == 3
    assert "  ! test:index:Thing alpha: reviewed update, applied replace" in run.out
    assert run.err.strip() == ("error: applied, but the result differs from the reviewed plan in "
                               "1 place(s) (exit 3)")


def test_applied_but_an_unplanned_resource_changed(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    after = export_of(world.desired, time="2026-11-02T10:00:00Z", beta={"label": "changed"})
    world.script(exports=[world.before, after],
                 events=[*events_of(world.plan, gamma="no-op"),
                         {"resOutputsEvent": {"metadata": {"op": "update", "urn": world.plan["changes"][1]["urn"],
                                                           "type": "test:index:Thing"}}}])
    run = world.apply(capsys, str(world.plan_file))
    assert run.code == 3, run
    assert_golden(GOLDEN / "apply-differs.txt", run.out.replace(str(world.plan_file), "REVIEWED"))


def test_applied_but_the_state_lacks_a_planned_change(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    stale = export_of(world.deployed, time="2026-11-02T10:00:00Z")  # alpha still has size 1
    world.script(exports=[world.before, stale])
    run = world.apply(capsys, str(world.plan_file))
    assert run.code == 3, run
    assert "  ! test:index:Thing alpha: differs from the plan at size" in run.out


# --- apply without a file: plan, show, ask ----------------------------------------------------

def test_no_file_refuses_without_a_terminal(world: World, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply_command, "stdin_is_tty", lambda: False)
    run = world.apply(capsys)
    assert_one_line_error(run, "stdin is not a terminal: pass --auto-approve")
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in run.out  # the plan was shown
    assert world.standin.commands() == ["version", "whoami", "stack export"]


def test_no_file_auto_approve(world: World, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply_command, "stdin_is_tty", lambda: False)
    run = world.apply(capsys, "--auto-approve")
    assert run.code == 0, run
    assert world.standin.commands() == ["version", "whoami", "stack export", "preview", "up", "stack export"]


@pytest.mark.parametrize(("answer", "code"), [("yes\n", 0), ("no\n", 1), ("y\n", 1)])
def test_no_file_asks_on_a_terminal(world: World, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch, answer: str, code: int) -> None:
    import io

    monkeypatch.setattr(apply_command, "stdin_is_tty", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    run = world.apply(capsys)
    assert run.code == code, run
    assert "Only 'yes' will be accepted to approve." in run.out
    if code:
        assert_one_line_error(run, "apply cancelled; nothing was changed")
        assert "up" not in world.standin.commands()


def test_auto_approve_with_a_file_is_a_usage_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    run = world.apply(capsys, "--auto-approve", str(world.plan_file))
    assert run.code == 1 and "--auto-approve is for applying without FILE" in run.err


def test_progress_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    from fluxform.engine import Event

    lines: list[str] = []
    progress = apply_command.Progress(total=2, tty=True, echo=lines.append)
    a, b = "urn:pulumi:dev::p::test:index:Thing::a", "urn:pulumi:dev::p::test:index:Thing::b"
    progress(Event("pre", "create", a, "test:index:Thing"))
    progress(Event("pre", "same", b, "test:index:Thing"))  # unchanged: not shown
    progress(Event("pre", "delete", b, "test:index:Thing"))
    status = capsys.readouterr().out
    assert status.endswith("\r\x1b[KApplying [0/2] ... test:index:Thing a, test:index:Thing b")
    progress(Event("outputs", "create", a, "test:index:Thing"))
    progress.finish()
    assert lines == ["  + test:index:Thing a: created [1/2]"]
    assert capsys.readouterr().out.endswith("\r\x1b[K")  # the status line is cleared at the end
