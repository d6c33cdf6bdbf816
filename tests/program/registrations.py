"""What a program asks the engine for: its resource requests, recorded under the mock engine.

Each RegisterResourceRequest and ReadResourceRequest is kept as a dict, less where the call
was made (source position, stack trace) and with its URN lists sorted (the SDK builds them
from sets), so two programs that ask for the same things give equal lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from google.protobuf.json_format import MessageToDict
from pulumi.runtime import mocks
from pulumi.runtime.sync_await import _sync_await

from fluxform.capture import PlanMocks, _reset_runtime

IGNORED = {"sourcePosition", "stackTrace"}


def normalized(request: Any, verb: str) -> dict[str, Any]:
    seen = MessageToDict(request, preserving_proto_field_name=True)
    out = {"verb": verb, **{k: v for k, v in seen.items() if k not in IGNORED}}
    if "dependencies" in out:
        out["dependencies"] = sorted(out["dependencies"])
    for deps in out.get("propertyDependencies", {}).values():
        if "urns" in deps:
            deps["urns"] = sorted(deps["urns"])
    return out


class RequestRecorder(mocks.MockMonitor):
    def __init__(self) -> None:
        super().__init__(PlanMocks())
        self.seen: list[dict[str, Any]] = []

    def RegisterResource(self, request: Any) -> Any:
        if request.type != "pulumi:pulumi:Stack":
            self.seen.append(normalized(request, "register"))
        return super().RegisterResource(request)

    def ReadResource(self, request: Any) -> Any:
        self.seen.append(normalized(request, "read"))
        return super().ReadResource(request)


def requests_of(program: Callable[[], None], *, project: str = "p", stack: str = "s",
                config: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Run `program` under the mock engine (preview) and return what it asked for, in order."""
    _reset_runtime()
    pulumi.runtime.set_all_config(dict(config or {}), list(config or {}))
    monitor = RequestRecorder()
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=True,
                             monitor=monitor)
    try:
        _sync_await(pulumi.runtime.stack.run_pulumi_func(program))
    finally:
        pulumi.runtime.set_all_config({}, [])
    return monitor.seen
