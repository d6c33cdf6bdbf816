"""Run a Pulumi program in-process under the SDK's mock engine and record what it registers.

The recording monitor sees every RegisterResourceRequest before the SDK deserializes it, so
secrets are still marked at their exact paths. It redacts them on the way in, and with them
the credentials written in plain inputs (Helm values under credential-looking keys, URL
passwords: fluxform.graph.redact_credentials), re-applies what the mock engine does not
(`additionalSecretOutputs`, Kubernetes Secret data), marks values
that are only known after apply as unknown, and refuses duplicate URNs (the real engine does;
the mock silently overwrites).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gc
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pulumi
import pulumi.runtime
import pulumi.runtime.settings as pulumi_settings
from google.protobuf import struct_pb2
from google.protobuf.json_format import MessageToDict
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource_runtime
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2, source_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from fluxform.errors import CaptureError, FluxformError
from fluxform.graph import (
    ALWAYS_SECRET_INPUTS,
    UNKNOWN,
    Graph,
    Resource,
    mask_url_passwords,
    redact_helm_values,
    redact_keys,
    secret_marker,
)

SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig
RESOURCE_SIG = rpc._special_resource_sig
UNKNOWN_VALUE = rpc.UNKNOWN

def _plain(value: Any, urls: bool = True) -> Any:
    """A protobuf-decoded JSON value with markers: secrets redacted, unknowns flagged, and
    (with `urls`) the password of every URL masked. A secret's own value is not masked: it
    becomes a marker whose fingerprint compares the whole value."""
    if isinstance(value, str):
        if value == UNKNOWN_VALUE:
            return dict(UNKNOWN)
        return mask_url_passwords(value) if urls and "://" in value else value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, list):
        return [_plain(v, urls) for v in value]
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return secret_marker(_plain(value.get("value"), False))
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        if sig is not None:
            return {"$fluxform": "opaque"}
        return {k: _plain(v, urls) for k, v in value.items()}
    return value


# `_plain(MessageToDict(struct))` in one pass over the protobuf Struct, without building the
# decoded dictionary first: what every registration's inputs go through (about half the
# time of the two, 1-2% of a capture). Same values, same key order, same errors
# (tests/bench/test_capture_fast_paths.py compares them over generated structs).


def _number(value: struct_pb2.Value) -> float:
    number: float = value.number_value
    if math.isinf(number):  # as json_format refuses them
        raise ValueError("Fail to serialize Infinity for Value.number_value, "
                         "which would parse as string_value")
    if math.isnan(number):
        raise ValueError("Fail to serialize NaN for Value.number_value, "
                         "which would parse as string_value")
    return number


def _decoded(value: struct_pb2.Value) -> Any:
    """MessageToDict of one Value: the JSON value as it stands."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        return {key: _decoded(fields[key]) for key in fields}
    if kind == "list_value":
        return [_decoded(item) for item in value.list_value.values]
    if kind == "number_value":
        return _number(value)
    if kind == "bool_value":
        return value.bool_value
    return None


def _plain_value(value: struct_pb2.Value, urls: bool = True) -> Any:
    """`_plain` of the decoded `value`."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text: str = value.string_value
        if text == UNKNOWN_VALUE:
            return dict(UNKNOWN)
        return mask_url_passwords(text) if urls and "://" in text else text
    if kind == "struct_value":
        return _plain_struct(value.struct_value, urls)
    if kind == "list_value":
        return [_plain_value(item, urls) for item in value.list_value.values]
    if kind == "number_value":
        number = _number(value)
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    return None


def _plain_struct(struct: struct_pb2.Struct, urls: bool = True) -> Any:
    """`_plain(MessageToDict(struct))`."""
    fields = struct.fields
    if SIG_KEY in fields:  # (indexing a missing key of a map field would add it)
        sig = _decoded(fields[SIG_KEY])
        if sig == SECRET_SIG:
            return secret_marker(_plain_value(fields["value"], False) if "value" in fields
                                 else None)
        if sig == RESOURCE_SIG:
            return _decoded(fields["urn"]) if "urn" in fields else ""
        if sig is not None:
            return {"$fluxform": "opaque"}
    return {key: _plain_value(fields[key], urls) for key in fields}


class PlanMocks(pulumi_mocks.Mocks):
    """Mocks for planning: a resource's state is its inputs; computed outputs stay unknown.

    Ids are derived from the logical name so captures are deterministic. Invokes return an
    empty result (the program must not depend on data sources to build its graph).
    """

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that records every registration as a graph Resource."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: dict[str, Resource] = {}
        self.duplicates: list[str] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()  # type: ignore[no-untyped-call]

        target = None
        if request.type == KUBERNETES_PROVIDER:
            target = kubeconfig_marker(MessageToDict(request.object,
                                                     preserving_proto_field_name=True))
        inputs = _plain_struct(request.object)
        if target is not None:
            inputs["kubeconfig"] = target
        inputs = redact_helm_values(request.type, inputs)
        always = ALWAYS_SECRET_INPUTS.get(request.type)
        if always:
            inputs = redact_keys(inputs, always)
        trigger = None
        if request.HasField("replacement_trigger"):
            trigger = _plain(MessageToDict(request.replacement_trigger))
        record = Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            provider=_provider_urn(request.provider),
            dependencies=tuple(sorted(set(request.dependencies))),
            property_dependencies={
                key: tuple(sorted(set(deps.urns)))
                for key, deps in sorted(request.propertyDependencies.items()) if deps.urns},
            aliases=self._aliases(request),
            inputs=inputs,
            replace_on_changes=tuple(request.replaceOnChanges),
            replacement_trigger=trigger,
            delete_before_replace=bool(request.deleteBeforeReplace),
        )
        with self._lock:
            if urn in self.recorded:
                self.duplicates.append(urn)
            self.recorded[urn] = record

        secret_outputs = set(request.additionalSecretOutputs) | set(always or ())
        if type(self.mocks) is PlanMocks:
            # Fast path: PlanMocks' state is the inputs, so the serialized inputs are the
            # response as they stand (no decode/encode round trip, which for the resources with
            # secret outputs ran a nested event loop per registration).
            fast_id = f"{request.name}-id"
            self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, fast_id, {})
            return resource_pb2.RegisterResourceResponse(
                urn=urn, id=fast_id, object=_with_secret_outputs(request.object, secret_outputs))
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=rpc.deserialize_properties(request.object),
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        state = {
            k: ({SIG_KEY: SECRET_SIG, "value": v} if k in secret_outputs else v)
            for k, v in state.items()
        }
        obj = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=obj)


    def _aliases(self, request: Any) -> tuple[str, ...]:
        """The URNs a registration's aliases name, as the engine resolves them
        (pulumi/pulumi pkg/resource/deploy/step_generator.go, generateAliases/collapseAliasToUrn:
        an alias spec's unset name, type and parent default to the resource's own; `noParent`
        means the stack root). Inherited aliases of children of aliased parents are not derived."""
        out: set[str] = set(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                out.add(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urn = self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            if spec.stack or spec.project:
                _, _, rest = urn.partition("::")
                _, _, rest = rest.partition("::")
                urn = (f"urn:pulumi:{spec.stack or pulumi.get_stack()}::"
                       f"{spec.project or pulumi.get_project()}::{rest}")
            out.add(urn)
        return tuple(sorted(out))


KUBERNETES_PROVIDER = "pulumi:providers:kubernetes"
_KUBECONFIG_LIMIT = 1 << 20


def kubeconfig_marker(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """The secret marker of a Kubernetes provider's `kubeconfig` input, or None without one.

    The kubeconfig holds credentials, so nothing derived from it as a whole may reach the
    graph. Its fingerprint is taken from the *active cluster* entry only (server, CA data,
    TLS settings, with the provider's `context`/`cluster` overrides applied): exactly what
    pulumi-kubernetes' DiffConfig compares to decide that every resource of the provider is
    replaced (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go, DiffConfig;
    util.go, getActiveClusterFromConfig). No `users` entry is ever read. A kubeconfig that
    cannot be parsed, or has no active cluster, gets no fingerprint.
    """
    value = raw.get("kubeconfig")
    if value is None:
        return None
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        value = value.get("value")
    if isinstance(value, str) and value == UNKNOWN_VALUE:
        return secret_marker(None)
    cluster = _active_cluster(value, raw.get("context"), raw.get("cluster"))
    if cluster is None:
        return secret_marker(None)
    return secret_marker({"activeCluster": cluster})


def _active_cluster(value: Any, context: Any, cluster: Any) -> Any:
    import yaml  # only a provider with a kubeconfig pays for it

    if isinstance(value, str):
        if len(value) > _KUBECONFIG_LIMIT:
            return None
        try:
            doc = yaml.safe_load(value)
        except yaml.YAMLError:
            return None
    else:
        doc = value
    if not isinstance(doc, dict):
        return None

    def named(section: str, name: Any, field: str) -> Any:
        for entry in doc.get(section) or ():
            if isinstance(entry, dict) and entry.get("name") == name:
                return (entry.get(field) or {}) if isinstance(entry.get(field), dict) else None
        return None

    current = context if isinstance(context, str) and context else doc.get("current-context")
    ctx = named("contexts", current, "context")
    if ctx is None:
        return None
    name = cluster if isinstance(cluster, str) and cluster else ctx.get("cluster")
    return named("clusters", name, "cluster")


def _with_secret_outputs(obj: struct_pb2.Struct, keys: set[str]) -> struct_pb2.Struct:
    """`obj` with the top-level values under `keys` wrapped as secrets (what the engine does
    with `additionalSecretOutputs`); `obj` itself when there are none."""
    present = [k for k in sorted(keys) if k in obj.fields]
    if not present:
        return obj
    out = struct_pb2.Struct()
    out.CopyFrom(obj)
    for key in present:
        wrapped = struct_pb2.Value()
        fields = wrapped.struct_value.fields
        fields[SIG_KEY].string_value = SECRET_SIG
        fields["value"].CopyFrom(obj.fields[key])
        out.fields[key].CopyFrom(wrapped)
    return out


def _provider_urn(ref: str) -> str | None:
    """`urn:pulumi:...::name::id` -> the URN part (provider refs are URN + '::' + id)."""
    if not ref:
        return None
    urn, _, _id = ref.rpartition("::")
    return urn or ref


@contextlib.contextmanager
def _without_stack_traces() -> Iterator[None]:
    """Skip the SDK's per-resource stack trace (source positions for the engine's UI).

    The plan never uses them, and collecting one reads source lines for every frame of every
    registration: about a third of the capture time of a 1,000-resource stack.
    """
    original = pulumi_resource_runtime._get_stack_trace
    pulumi_resource_runtime._get_stack_trace = _EMPTY_TRACE
    try:
        yield
    finally:
        pulumi_resource_runtime._get_stack_trace = original


_gc_state = {"frozen": False}


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while the program registers its resources, and
    leave what the capture allocated to the collector's permanent generation afterwards.

    Registration allocates many long-lived objects (resources, outputs, futures); every
    generation-2 pass walks all of them, which made capture time grow faster than the number of
    resources. Reference counting still frees what can be freed while the collector is off.

    On the way out everything alive is frozen (`gc.freeze()`) instead of collected: the first
    collection after the capture would otherwise walk every object the program allocated
    (about 10% of a 10,000-resource capture), and so would the collections the interpreter
    runs at exit (about 1 s with the provider SDKs loaded). A plan process captures once and
    exits, so the cyclic garbage a capture leaves is never worth collecting there. A process
    that captures again pays for it then: the next capture unfreezes and collects the previous
    one's garbage before it starts, so memory never grows past one capture's garbage.
    """
    was_enabled = gc.isenabled()
    if _gc_state["frozen"]:
        gc.unfreeze()
        gc.collect()
        _gc_state["frozen"] = False
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        _gc_state["frozen"] = True
        if was_enabled:
            gc.enable()


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """An executor that runs each call at once, on the calling thread (it never starts one)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # delivered through the future, as a worker thread would
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def _engine_calls_inline() -> Iterator[None]:
    """Run the SDK's engine calls on the event loop's own thread for the capture.

    The SDK sends every engine call (one or more per registration) through the loop's default
    executor, a thread pool, because a real engine answers over gRPC. The recording monitor
    answers at once, so the thread hop buys nothing: handing the interpreter lock to a worker
    and back cost more than the answer (a 1,000-resource capture took 15-20% longer with it).
    The loop stays the same one (the SDK keeps futures on it from one capture to the next);
    only its default executor is swapped, and put back afterwards.
    """
    loop = _ensure_event_loop()  # type: ignore[no-untyped-call]
    previous = getattr(loop, "_default_executor", None)
    loop.set_default_executor(_InlineExecutor(max_workers=1))
    try:
        yield
    finally:
        loop._default_executor = previous


def _EMPTY_TRACE() -> Any:
    return source_pb2.StackTrace()


def _reset_runtime() -> None:
    """Forget the previous run's root stack and pending work (captures may run back to back)."""
    pulumi_settings.ROOT.set(None)
    pulumi_settings.SETTINGS.rpc_manager.clear()
    pulumi_settings.SETTINGS.outputs.clear()


def capture(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    mocks: pulumi_mocks.Mocks | None = None,
) -> Graph:
    """Run `program` under the recording mock engine (preview mode) and return its Graph.

    `config` is the flat Pulumi config (`namespace:key` -> string); `secret_keys` lists the
    keys the program must treat as secret (their values are placeholders, never decrypted).
    Raises CaptureError if the program fails or registers two resources with one URN.
    """
    _reset_runtime()
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys or []))
    monitor = RecordingMonitor(mocks or PlanMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=True,
                             monitor=monitor)

    def run() -> None:
        try:
            program()
        except SystemExit as exc:  # sys.exit(0) must not read as "no changes": fail closed
            raise CaptureError(f"the program did not finish for stack {stack!r}: it called "
                               f"sys.exit({exc.code if isinstance(exc.code, int) else '...'}) "
                               "(hint: raise an exception instead)") from None

    try:
        with _without_stack_traces(), _without_cyclic_gc(), _engine_calls_inline():
            _sync_await(pulumi.runtime.stack.run_pulumi_func(run))
    except FluxformError:
        raise
    except Exception as exc:  # the program's own failure, reported in one line
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CaptureError(f"program failed for stack {stack!r}: {message}") from exc
    finally:
        pulumi.runtime.set_all_config({}, [])
    if monitor.duplicates:
        dup = sorted(set(monitor.duplicates))[0]
        raise CaptureError(
            f"duplicate URN {dup} (and {len(set(monitor.duplicates)) - 1} more); "
            "hint: child resource names must be unique: prefix them with the component name"
        )
    if not monitor.recorded:  # returned early: an empty graph would plan as "destroy all"
        raise CaptureError(f"the program did not finish for stack {stack!r}: it registered no "
                           "resources (hint: a program that returns early must raise instead)")
    return Graph(project=project, stack=stack, resources=dict(monitor.recorded))

