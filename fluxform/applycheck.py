"""What apply checks against the reviewed plan: the engine's update plan before `pulumi up`,
and what the update did after it. Pure, and tested without a CLI (tests/apply).

Operation names are the engine's OpTypes (pulumi/pulumi sdk/go/common/apitype/history.go); an
engine step fluxform never plans (read, import, refresh...) is always a mismatch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fluxform.errors import PlanError
from fluxform.graph import Graph
from fluxform.plan import Op
from fluxform.savedplan import strip_fingerprints

if TYPE_CHECKING:
    from fluxform.engine import Event
    from fluxform.savedplan import Reviewed

# Engine OpTypes as fluxform plan operations.
ENGINE_OPS: Mapping[str, Op] = {
    "same": Op.NOOP, "create": Op.CREATE, "update": Op.UPDATE, "delete": Op.DELETE,
    "replace": Op.REPLACE, "create-replacement": Op.REPLACE, "delete-replaced": Op.REPLACE,
    "discard-replaced": Op.REPLACE,
}


# --- the engine's update plan -----------------------------------------------------------------

def urn_type(urn: str) -> str:
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def ignored(urn: str, type_: str = "") -> bool:
    """Resources a fluxform graph never holds: the stack itself and default providers."""
    type_ = type_ or urn_type(urn)
    name = urn.rpartition("::")[2]
    return type_ == "pulumi:pulumi:Stack" or (
        type_.startswith("pulumi:providers:") and (name == "default" or name.startswith("default_")))


def engine_plan_ops(engine_plan: Mapping[str, Any]) -> dict[str, Any]:
    """URN -> operation of a `pulumi preview --save-plan` document (DeploymentPlanV1)."""
    out: dict[str, Any] = {}
    plans = engine_plan.get("resourcePlans") or {}
    if not isinstance(plans, dict):
        raise PlanError("the engine's update plan has no resourcePlans object")
    for urn, body in plans.items():
        steps = body.get("steps") if isinstance(body, dict) else None
        goal = body.get("goal") if isinstance(body, dict) else None
        type_ = str(goal.get("type", "")) if isinstance(goal, dict) else ""
        if ignored(urn, type_):
            continue
        names = [str(s) for s in steps or ["same"]]
        unknown = sorted(s for s in names if s not in ENGINE_OPS)
        ops = {ENGINE_OPS[s] for s in names if s in ENGINE_OPS}
        if unknown:
            out[urn] = _Unplanned(unknown[0])
        elif Op.REPLACE in ops or len(ops) > 1:
            out[urn] = Op.REPLACE
        else:
            out[urn] = ops.pop()
    return out


class _Unplanned(str):
    """An engine step fluxform never plans (read, import, refresh...): always a mismatch."""

    @property
    def value(self) -> str:
        return str(self)


def _name(urn: str) -> str:
    return urn.rpartition("::")[2] or urn


def _op_text(op: Any) -> str:
    return str(op.value if hasattr(op, "value") else op)


def compare_ops(planned: Mapping[str, Op], actual: Mapping[str, Any], *, what: str,
                secret_only: frozenset[str] = frozenset()) -> list[str]:
    """Every resource whose operation in `actual` is not the reviewed one, one line each.
    A resource absent from `actual` counts as unchanged (no-op); one of `secret_only` may be
    updated or unchanged (see Reviewed.secret_only)."""
    lines = []
    for urn in sorted(set(planned) | set(actual)):
        if ignored(urn):
            continue
        want = planned.get(urn, Op.NOOP)
        got = actual.get(urn, Op.NOOP)
        if urn in secret_only and got in (Op.UPDATE, Op.NOOP):
            continue
        if want != got:
            lines.append(f"{urn_type(urn)} {_name(urn)}: reviewed {want.value}, {what} {_op_text(got)}")
    return lines


# --- the post-apply check ---------------------------------------------------------------------

def event_ops(events: Iterable[Event]) -> dict[str, Any]:
    """URN -> what the update did, from its completed (resOutputsEvent) steps."""
    seen: dict[str, set[Any]] = {}
    for event in events:
        if (event.kind == "outputs" and event.urn and event.op != "same"
                and not ignored(event.urn, event.type)):
            seen.setdefault(event.urn, set()).add(ENGINE_OPS.get(event.op) or _Unplanned(event.op))
    out: dict[str, Any] = {}
    for urn, ops in seen.items():
        if Op.REPLACE in ops:
            out[urn] = Op.REPLACE
        elif len(ops) == 1:
            out[urn] = ops.pop()
        else:
            out[urn] = _Unplanned("+".join(sorted(_op_text(o) for o in ops)))
    return out


def residual(after: Graph, desired: Graph) -> list[str]:
    """What the deployed state still lacks of the desired graph, one line per resource.

    Fields that cannot be compared without decrypting or deploying (secrets, values known only
    after apply) are left out; every other input must now equal the desired one.
    """
    from fluxform.diff import compute_plan

    lines = []
    for change in compute_plan(after, desired).changes:
        if change.op == Op.NOOP or ignored(change.urn, change.type):
            continue
        if change.op == Op.CREATE:
            lines.append(f"{change.type} {change.name}: planned, but not in the state")
        elif change.op == Op.DELETE:
            lines.append(f"{change.type} {change.name}: in the state, but not in the plan")
        else:
            paths = [f.path_text for f in change.fields if not (f.secret or f.unknown)]
            if paths:
                shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
                lines.append(f"{change.type} {change.name}: differs from the plan at {shown}")
    return lines


@dataclass(frozen=True)
class CheckResult:
    operations: list[str]  # operations that were not the reviewed ones
    state: list[str]       # state that differs from the desired graph

    @property
    def as_planned(self) -> bool:
        return not self.operations and not self.state


def untouched(reviewed: Reviewed, before: Graph, after: Graph) -> list[str]:
    """Resources the plan left alone whose deployed inputs changed anyway (state against
    state, secret markers stripped: a re-encrypted secret is not a change)."""
    planned = reviewed.planned_ops
    lines = []
    for res in before:
        if planned.get(res.urn, Op.NOOP) != Op.NOOP or res.urn not in after.resources:
            continue
        now = after.resources[res.urn]
        if strip_fingerprints(dict(now.inputs)) != strip_fingerprints(dict(res.inputs)):
            lines.append(f"{res.type} {res.name}: changed, but the plan left it unchanged")
    return lines


def post_apply_check(reviewed: Reviewed, events: Iterable[Event], before: Graph, after: Graph,
                     desired: Graph) -> CheckResult:
    """Every planned operation happened, no unplanned one did, the resources the plan left
    alone are as they were, and the state holds the desired inputs."""
    state = untouched(reviewed, before, after)
    named = {line.partition(": ")[0] for line in state}
    state += [line for line in residual(after, desired) if line.partition(": ")[0] not in named]
    return CheckResult(compare_ops(reviewed.planned_ops, event_ops(events), what="applied",
                                   secret_only=reviewed.secret_only), state)
