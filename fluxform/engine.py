"""The engine boundary: the one module that runs the `pulumi` CLI.

Everything `fluxform apply` and `fluxform plan --state-from-stack` need from the real engine
goes through `PulumiCli`, and nothing else in fluxform starts `pulumi`. Each method runs one
CLI command in the project directory and returns parsed data, or raises EngineError with one
line saying what went wrong (missing CLI, no backend login, a locked stack, a missing stack, a
failed command). fluxform never writes the state itself: the engine does, and only in `up`.

Commands and the facts they rely on (pulumi/pulumi at v3.259.0, the targeted CLI version;
`MIN_VERSION` is the oldest accepted):

- `pulumi version` prints `v3.259.0` (pkg/cmd/pulumi/version/version.go).
- `pulumi whoami --json` prints `{"user", "organizations", "url", ...}`
  (pkg/cmd/pulumi/whoami/whoami.go, `whoAmIJSON`). Without a login it fails with
  "PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions"
  (pkg/backend/backenderr/backenderr.go) and exit code 3 (`ExitAuthenticationError`,
  pkg/cmd/pulumi/cmd/exit_codes.go; 1 before v3.226).
- `pulumi stack export --stack S` prints the untyped deployment `{"version": 3, "deployment":
  {"manifest": {"time", "magic", "version"}, "resources": [...], "pending_operations": [...]}}`
  (pkg/cmd/pulumi/stack/stack_export.go; sdk/go/common/apitype/core.go `UntypedDeployment`,
  `DeploymentV3`, `ManifestV1`). Without `--show-secrets` secrets stay ciphertext.
  A missing stack: exit code 6 (`ExitStackNotFound`), "no stack named ... found".
- `pulumi preview --stack S --save-plan FILE` writes the engine's update plan, a
  `DeploymentPlanV1` JSON document `{"manifest", "config", "resourcePlans": {URN: {"goal",
  "steps": [OpType...], "state"}}}` (pkg/cmd/pulumi/operations/preview.go `--save-plan`,
  pkg/cmd/pulumi/plan/plan.go `Write`, sdk/go/common/apitype/plan.go).
- `pulumi up --stack S --plan FILE --yes --skip-preview --json` runs the update constrained to
  that plan ("will not perform operations that exceed its plan"; `--plan` is a hidden,
  experimental flag that is parsed without PULUMI_EXPERIMENTAL, pkg/cmd/pulumi/operations/up.go;
  the Python Automation API passes the same `up --yes --skip-preview --plan`,
  sdk/python/lib/pulumi/automation/_stack.py). With `--json` an update streams one
  `apitype.EngineEvent` per line on stdout (pkg/backend/display/display.go `ShowJSONEvents`;
  sdk/go/common/apitype/events.go): `resourcePreEvent` / `resOutputsEvent` /
  `resOpFailedEvent` with `metadata: {op, urn, type}`, `diagnosticEvent: {severity, message}`,
  `summaryEvent: {resourceChanges, result}`, `cancelEvent`.
- A locked stack: "the stack is currently locked by N lock(s)" (DIY backend,
  pkg/backend/diy/lock.go) or "[409] Conflict: Another update is currently in progress."
  (Pulumi Cloud; both matched by sdk/python/lib/pulumi/automation/errors.py).
- Errors print as `error: ...` on stderr; exit codes per pkg/cmd/pulumi/cmd/exit_codes.go.

Tests drive this module against tests/apply/standin/pulumi, a stand-in executable that
records its arguments and replays canned exports, plans and events.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fluxform.errors import FluxformError

MIN_VERSION = (3, 200, 0)
"""The oldest CLI accepted: the Pulumi SDK the program needs (pyproject: pulumi>=3.200)."""
EXIT_AUTH = 3
EXIT_STACK_NOT_FOUND = 6
SHORT_TIMEOUT = 600  # seconds for version/whoami/export/preview; `up` runs as long as it takes

_LOCKED = ("the stack is currently locked", "Another update is currently in progress")
_NOT_LOGGED_IN = ("must be set for login during non-interactive", "not logged in",
                  "PULUMI_ACCESS_TOKEN", "unauthorized", "401")
_NO_STACK = re.compile(r"no stack named .* found|stack .* not found", re.IGNORECASE)
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


class EngineError(FluxformError):
    """A `pulumi` command failed; the message is one line and names the stack."""


@dataclass(frozen=True)
class Event:
    """One engine event of an update, reduced to what fluxform shows and checks."""

    kind: str            # "pre" | "outputs" | "failed" | "diagnostic" | "summary" | "cancel"
    op: str = ""         # engine OpType for resource events ("create", "same", ...)
    urn: str = ""
    type: str = ""
    severity: str = ""   # diagnostics: "error", "warning", "info", ...
    message: str = ""    # diagnostics: first line only
    result: str = ""     # summary: "succeeded" | "failed" | ... (empty on older CLIs)


@dataclass
class UpResult:
    code: int
    events: list[Event] = field(default_factory=list)
    error: str | None = None  # one line when the update failed


def _first_error_line(text: str) -> str:
    """The first `error:` line of a CLI's stderr, without the prefix; else its first line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith("error:"):
            return line[len("error:"):].strip()[:300]
    return lines[0][:300] if lines else ""


def classify(stack: str, what: str, code: int, stderr: str) -> str:
    """One line for a failed CLI command, with a hint for the cases users hit."""
    detail = _first_error_line(stderr)
    if any(marker in stderr for marker in _LOCKED):
        return (f"stack {stack} is locked by another update (hint: wait for it to finish, or "
                "run `pulumi cancel` if it died; fluxform changed nothing)")
    if code == EXIT_AUTH or any(marker in stderr for marker in _NOT_LOGGED_IN):
        return ("not logged in to a Pulumi backend (hint: `pulumi login`, or set "
                "PULUMI_ACCESS_TOKEN / PULUMI_BACKEND_URL)")
    if code == EXIT_STACK_NOT_FOUND or _NO_STACK.search(stderr):
        return (f"stack {stack} does not exist in the backend "
                f"(hint: `pulumi stack init {stack}`, or check `pulumi login`)")
    return f"`pulumi {what}` failed for stack {stack} (exit {code}): {detail or 'no message'}"


def _event(raw: Mapping[str, Any]) -> Event | None:
    """An `apitype.EngineEvent` line as an Event; None for kinds fluxform ignores."""
    for key, kind in (("resourcePreEvent", "pre"), ("resOutputsEvent", "outputs"),
                      ("resOpFailedEvent", "failed")):
        body = raw.get(key)
        if isinstance(body, dict):
            meta = body.get("metadata") or {}
            if body.get("planning"):
                return None
            return Event(kind, op=str(meta.get("op", "")), urn=str(meta.get("urn", "")),
                         type=str(meta.get("type", "")))
    diag = raw.get("diagnosticEvent")
    if isinstance(diag, dict):
        message = str(diag.get("message", "")).strip().splitlines()
        return Event("diagnostic", urn=str(diag.get("urn", "")),
                     severity=str(diag.get("severity", "")), message=message[0][:300] if message else "")
    summary = raw.get("summaryEvent")
    if isinstance(summary, dict):
        return Event("summary", result=str(summary.get("result", "")))
    if "cancelEvent" in raw:
        return Event("cancel")
    return None


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = _VERSION.search(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


class PulumiCli:
    """The `pulumi` CLI found on PATH, run in `project_dir` (where Pulumi.yaml is)."""

    def __init__(self, project_dir: str | Path, env: Mapping[str, str] | None = None) -> None:
        self.project_dir = Path(project_dir)
        self.env = dict(os.environ if env is None else env)
        # Every command also gets `--non-interactive` (a root flag, pkg/cmd/pulumi/pulumi.go):
        # the CLI must never wait for a terminal that is not there.
        self.env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
        found = shutil.which("pulumi", path=self.env.get("PATH"))
        if found is None:
            raise EngineError("the pulumi CLI was not found on PATH (hint: install it, "
                              "https://www.pulumi.com/docs/install/; fluxform changed nothing)")
        self.executable = found

    def _run(self, args: list[str], stack: str, what: str) -> str:
        try:
            proc = subprocess.run([self.executable, *args], cwd=self.project_dir, env=self.env,
                                  capture_output=True, text=True, timeout=SHORT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise EngineError(f"`pulumi {what}` for stack {stack} did not finish in "
                              f"{SHORT_TIMEOUT} s (hint: check the backend)") from None
        except OSError as exc:
            raise EngineError(f"cannot run {self.executable}: {exc.strerror}") from None
        if proc.returncode != 0:
            raise EngineError(classify(stack, what, proc.returncode, proc.stderr))
        return proc.stdout

    def version(self) -> str:
        """The CLI's version (`v3.259.0`); refuses one older than MIN_VERSION."""
        out = self._run(["version"], "-", "version").strip()
        parsed = parse_version(out)
        if parsed is None:
            raise EngineError(f"`pulumi version` printed no version ({out[:60]!r})")
        if parsed < MIN_VERSION:
            minimum = ".".join(map(str, MIN_VERSION))
            raise EngineError(f"pulumi CLI {out} is older than {minimum} "
                              "(hint: upgrade it, https://www.pulumi.com/docs/install/)")
        return out

    def whoami(self, stack: str) -> str:
        """The logged-in user; EngineError when there is no backend login."""
        out = self._run(["whoami", "--json", "--non-interactive"], stack, "whoami")
        try:
            user = json.loads(out).get("user")
        except (ValueError, AttributeError):
            user = out.strip()
        if not user:
            raise EngineError(classify(stack, "whoami", EXIT_AUTH, ""))
        return str(user)

    def export(self, stack: str) -> dict[str, Any]:
        """`pulumi stack export` of `stack` (secrets stay ciphertext)."""
        out = self._run(["stack", "export", "--stack", stack, "--non-interactive"], stack,
                        "stack export")
        try:
            doc = json.loads(out)
        except ValueError:
            raise EngineError(f"`pulumi stack export` for stack {stack} printed no JSON") from None
        if not isinstance(doc, dict):
            raise EngineError(f"`pulumi stack export` for stack {stack} printed no deployment")
        return doc

    def preview_plan(self, stack: str, plan_file: Path) -> dict[str, Any]:
        """`pulumi preview --save-plan`: the engine's update plan for the current program."""
        self._run(["preview", "--stack", stack, "--save-plan", str(plan_file),
                   "--non-interactive", "--color", "never"], stack, "preview")
        try:
            doc = json.loads(plan_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise EngineError(f"`pulumi preview --save-plan` for stack {stack} wrote no "
                              "readable plan") from None
        if not isinstance(doc, dict):
            raise EngineError(f"`pulumi preview --save-plan` for stack {stack} wrote no plan")
        return doc

    def up(self, stack: str, plan_file: Path, on_event: Callable[[Event], None]) -> UpResult:
        """`pulumi up --plan FILE`, streaming its JSON events to `on_event` as they come."""
        args = [self.executable, "up", "--stack", stack, "--plan", str(plan_file), "--yes",
                "--skip-preview", "--json", "--non-interactive", "--color", "never"]
        try:
            proc = subprocess.Popen(args, cwd=self.project_dir, env=self.env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise EngineError(f"cannot run {self.executable}: {exc.strerror}") from None
        stderr: list[str] = []
        reader = threading.Thread(target=lambda: stderr.append(proc.stderr.read() if proc.stderr else ""),
                                  daemon=True)
        reader.start()
        result = UpResult(code=0)
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                raw = json.loads(line)
            except ValueError:
                continue
            event = _event(raw) if isinstance(raw, dict) else None
            if event is not None:
                result.events.append(event)
                on_event(event)
        result.code = proc.wait()
        reader.join()
        if result.code != 0:
            text = "".join(stderr)
            errors = [e.message for e in result.events if e.kind == "diagnostic"
                      and e.severity == "error" and e.message]
            if errors and not any(m in text for m in _LOCKED):
                text = "error: " + errors[0] + "\n" + text
            result.error = classify(stack, "up", result.code, text)
        return result
