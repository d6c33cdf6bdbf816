"""Credential rotation works under `pulumi up`: proven from the captured graphs (docs/rotation.md).

Each test captures the real program (stacks/__main__.py with the stack's Pulumi config, as
`fluxform plan` does) before and after an edit of the spec, and reads the order `pulumi up`
follows from the two graphs alone, with the engine's rules (pulumi/pulumi):

- a registration is matched to the previous state by URN or by one of its aliases
  (pkg/resource/deploy/step_generator.go, generateAliases); unmatched registrations are
  creates, state entries nothing matches are deletes;
- every create, update and replacement runs as its registration's step, after the steps of
  its dependencies (the program registers a resource only once its dependencies resolved);
  deletes run after the last registration, in reverse dependency order of the old state, and a
  delete that an errored step depends on is skipped (deployment_executor.go, performPostSteps);
- a changed replacement trigger replaces without asking the provider, create-before-delete
  unless the resource sets deleteBeforeReplace; null on either side is no trigger
  (step_generator.go, generateStepsFromDiff, shouldTriggerReplace);
- an input fed by an output of a created resource is unknown, so it changes.

No wall clock, no prose: sets of URNs, dependency edges and flags.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from components.deploy_key import generation
from components.notifications import Notifications
from fluxform.capture import capture
from fluxform.diff import compute_plan
from fluxform.graph import Graph, Resource
from fluxform.plan import Op
from fluxform.project import load_stack
from fluxform.stackrun import capture_config

GOLDEN = Path(__file__).parent / "golden"
PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"
SECRET = "kubernetes:core/v1:Secret"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
FLEET = "flux-fleet-key"


# ---------------------------------------------------------------------------------------------
# Capturing the program with an edited spec


def capture_edited(stack: str, tmp: Path, *edits: tuple[str, str]) -> Graph:
    """The stack's graph with its spec file edited (each `old` must occur exactly once)."""
    config = load_stack(ROOT, stack)
    text = config.spec_path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} must occur once in the {stack} spec"
        text = text.replace(old, new)
    spec = tmp / f"{stack}.yaml"
    spec.write_text(text, encoding="utf-8")
    edited = dataclasses.replace(config, config={**config.config, "fluxform:spec": str(spec)})
    return capture_config(edited)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    return capture_edited("dev", tmp_path_factory.mktemp("dev"))


@pytest.fixture(scope="module")
def dev_rotated(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    return capture_edited("dev", tmp_path_factory.mktemp("rotated"),
                          ('rotation: "2026-11"', 'rotation: "2027-01"'))


@pytest.fixture(scope="module")
def dev_algorithm(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    return capture_edited("dev", tmp_path_factory.mktemp("algorithm"),
                          ("algorithm: ed25519", "algorithm: ecdsa-p384"))


# ---------------------------------------------------------------------------------------------
# The engine's view of two graphs


@dataclasses.dataclass(frozen=True)
class Steps:
    """What `pulumi up` does going from `before` to `after`, by URN."""

    before: Graph
    after: Graph
    matched: dict[str, str]
    """after URN -> before URN (same URN or through an alias)."""
    creates: frozenset[str]
    """after URNs with no previous state."""
    deletes: frozenset[str]
    """before URNs nothing in `after` claims (deleted after the last registration)."""

    def changed(self, urn: str) -> bool:
        """A matched resource whose step is not a no-op: other inputs, or an input fed by a
        created resource (unknown until that resource exists)."""
        new = self.after.resources[urn]
        old = self.before.resources[self.matched[urn]]
        fed_by_new = any(dep in self.creates or dep in self.triggered()
                         for deps in new.property_dependencies.values() for dep in deps)
        return dict(new.inputs) != dict(old.inputs) or fed_by_new or urn in self.triggered()

    def triggered(self) -> frozenset[str]:
        """Matched resources the engine replaces for a changed trigger (no provider Diff)."""
        out = set()
        for urn, old_urn in self.matched.items():
            new, old = self.after.resources[urn].replacement_trigger, \
                self.before.resources[old_urn].replacement_trigger
            if new is not None and old is not None and new != old:
                out.add(urn)
        return frozenset(out)


def steps(before: Graph, after: Graph) -> Steps:
    matched: dict[str, str] = {}
    for res in after:
        names = [res.urn, *res.aliases]
        found = [u for u in names if u in before.resources]
        if found:
            matched[res.urn] = found[0]
    creates = frozenset(u for u in after.resources if u not in matched)
    claimed = set(matched.values())
    deletes = frozenset(u for u in before.resources if u not in claimed)
    return Steps(before, after, matched, creates, deletes)


def under(graph: Graph, component: str) -> dict[str, Resource]:
    """The children of the component named `component`, keyed by type."""
    out: dict[str, Resource] = {}
    for res in graph:
        if res.parent is not None and res.parent.rsplit("::", 1)[-1] == component:
            assert res.type not in out, res.urn
            out[res.type] = res
    return out


def transitive_dependencies(graph: Graph, urn: str) -> set[str]:
    seen: set[str] = set()
    todo = [urn]
    while todo:
        for dep in graph.resources[todo.pop()].dependencies:
            if dep not in seen and dep in graph.resources:
                seen.add(dep)
                todo.append(dep)
    return seen


def k8s_names(graph: Graph, urns: Iterable[str]) -> set[tuple[str, str, str]]:
    return {ident for u in urns if (ident := graph.resources[u].k8s_identity) is not None}


# ---------------------------------------------------------------------------------------------
# Rotation and algorithm change of the fleet key


def assert_new_generation(before: Graph, after: Graph) -> None:
    """The fleet key moves to a new generation in the order that keeps Flux fetching."""
    s = steps(before, after)
    old, new = under(before, FLEET), under(after, FLEET)
    # A new key and a new GitHub deploy key are created, the old ones deleted; nothing else.
    assert s.creates == {new[PRIVATE_KEY].urn, new[DEPLOY_KEY].urn}
    assert s.deletes == {old[PRIVATE_KEY].urn, old[DEPLOY_KEY].urn}
    assert new[PRIVATE_KEY].urn != old[PRIVATE_KEY].urn
    # The new deploy key is registered from the new key (an input fed by its output).
    assert new[DEPLOY_KEY].property_dependencies["key"] == (new[PRIVATE_KEY].urn,)
    # The Secret is the same resource (same URN, same Kubernetes name) and changes: its data
    # comes from the new key. It is switched only after GitHub has the new key.
    secret = new[SECRET]
    assert s.matched[secret.urn] == old[SECRET].urn == secret.urn
    assert secret.k8s_identity == old[SECRET].k8s_identity == ("Secret", "flux-system", "flux-system")
    assert s.changed(secret.urn)
    assert new[DEPLOY_KEY].urn in secret.dependencies
    assert new[PRIVATE_KEY].urn in secret.property_dependencies["stringData"]
    # If the Secret is replaced rather than updated (a provider without enableSecretMutable),
    # the old object is deleted before the new one of the same name is created.
    assert secret.delete_before_replace and secret.replacement_trigger is None
    # The old deploy key is deleted only after every registration, the Secret's included; and
    # the old Secret depended on it, so a failed switch keeps the old key registered.
    assert old[DEPLOY_KEY].urn in transitive_dependencies(before, secret.urn)
    assert old[DEPLOY_KEY].urn in s.deletes and secret.urn not in s.deletes
    # Flux's root GitRepository follows the Secret and does not change at all.
    (repo,) = [r for r in after if r.k8s_identity == ("GitRepository", "flux-system", "flux-system")]
    assert secret.urn in repo.dependencies and not s.changed(repo.urn)
    assert_no_same_named_create_before_delete(s)


def assert_no_same_named_create_before_delete(s: Steps) -> None:
    """No Kubernetes object is created under a name that a delete frees later, and no matched
    object can be replaced create-before-delete under its own name."""
    assert not k8s_names(s.after, s.creates) & k8s_names(s.before, s.deletes)
    assert not [u for u in s.triggered() if s.after.resources[u].is_kubernetes]
    for urn in s.matched:
        res = s.after.resources[urn]
        if res.is_kubernetes and res.k8s_identity is not None and s.changed(urn):
            forced = res.type == SECRET  # data changes replace unless the provider is mutable
            assert not forced or res.delete_before_replace, urn
    # A GitHub deploy key is never replaced (pulumi-github deletes it first): only created
    # or deleted.
    for urn in s.matched:
        if s.after.resources[urn].type == DEPLOY_KEY:
            assert not s.changed(urn), urn


def test_rotation_creates_a_new_generation_and_deletes_the_old_last(dev: Graph, dev_rotated: Graph) -> None:
    assert_new_generation(dev, dev_rotated)


def test_algorithm_change_is_a_new_generation_too(dev: Graph, dev_algorithm: Graph) -> None:
    assert_new_generation(dev, dev_algorithm)
    assert under(dev_algorithm, FLEET)[PRIVATE_KEY].inputs == {"algorithm": "ECDSA", "ecdsaCurve": "P384"}


def test_rotating_back_is_a_new_generation_in_each_direction(dev: Graph, dev_rotated: Graph) -> None:
    assert_new_generation(dev_rotated, dev)


def test_a_fleet_rotation_touches_no_other_key(dev: Graph, dev_rotated: Graph) -> None:
    s = steps(dev, dev_rotated)
    changed = {dev_rotated.resources[u].name for u in s.matched if s.changed(u)}
    assert changed == {f"{FLEET}-secret"}


def test_an_unchanged_program_is_no_step(dev: Graph, tmp_path: Path) -> None:
    again = capture_edited("dev", tmp_path)
    s = steps(dev, again)
    assert not s.creates and not s.deletes
    assert not [u for u in s.matched if s.changed(u)]


# ---------------------------------------------------------------------------------------------
# Stacks deployed before generations existed


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_deployed_stack_sees_no_change_after_upgrading(stack: str, tmp_path: Path) -> None:
    """golden/legacy-<stack>.graph.json: the key and notification resources as the program
    registered them before generations (commit d839c59). Every one is claimed by its
    successor (by URN or alias) with the same inputs and no trigger change."""
    legacy = Graph.from_json((GOLDEN / f"legacy-{stack}.graph.json").read_text(encoding="utf-8"))
    now = capture_edited(stack, tmp_path)
    s = steps(legacy, now)
    assert not s.deletes
    successors = {old: new for new, old in s.matched.items()}
    assert set(successors) == set(legacy.resources)
    for old_urn, new_urn in successors.items():
        old, new = legacy.resources[old_urn], now.resources[new_urn]
        assert dict(new.inputs) == dict(old.inputs), new_urn
        assert new_urn not in s.triggered(), new_urn
        # Dependencies point at the successors of what they pointed at.
        assert set(new.dependencies) == {successors.get(d, d) for d in old.dependencies}, new_urn
    renamed = {legacy.resources[o].name: now.resources[n].name for o, n in successors.items() if o != n}
    key_names = {n for n in renamed if n.endswith(("-key-key", "-key-github"))}
    assert key_names == set(renamed)  # only the key pairs were renamed, all through aliases
    for old_name, new_name in renamed.items():
        assert re.fullmatch(re.escape(old_name) + r"-[A-Za-z0-9._-]+-[0-9a-f]{8}", new_name)


# ---------------------------------------------------------------------------------------------
# The receiver token


def notifications(tokens: dict[str, str] | list[str]) -> Graph:
    """A Notifications component with one receiver token, captured on its own."""
    def program() -> None:
        Notifications("notifications", {
            "provider_addresses": {}, "receiver_tokens": tokens,
            "flux_objects": [{
                "apiVersion": "notification.toolkit.fluxcd.io/v1", "kind": "Receiver",
                "metadata": {"name": "fleet-push", "namespace": "flux-system"},
                "spec": {"type": "github", "events": ["push"], "secretRef": {"name": "fleet-push-token"},
                         "resources": [{"kind": "GitRepository", "name": "flux-system"}]},
            }],
        })
    return capture(program, project="p", stack="s")


def test_rotating_a_receiver_token_updates_its_secret_in_place() -> None:
    before, after = notifications({"fleet-push-token": "1"}), notifications({"fleet-push-token": "2"})
    s = steps(before, after)
    assert not s.creates and not s.deletes
    (token,) = after.by_type(RANDOM_BYTES)
    (secret,) = after.by_type(SECRET)
    (receiver,) = [r for r in after if r.type.endswith(":Receiver")]
    # The token is replaced for its changed trigger, create-before-delete: it lives in the
    # state only, nothing else holds it.
    assert s.triggered() == {token.urn} and not token.delete_before_replace
    # Its Secret keeps its name and has no trigger: it changes because its data comes from
    # the new token, delete-before-replace if the provider must replace it.
    assert secret.property_dependencies["stringData"] == (token.urn,)
    assert s.changed(secret.urn) and secret.delete_before_replace
    assert secret.replacement_trigger is None
    # The Receiver references the Secret by name and does not change.
    assert secret.urn in receiver.dependencies and not s.changed(receiver.urn)
    assert_no_same_named_create_before_delete(s)


def test_receiver_tokens_given_as_names_have_rotation_marker_1() -> None:
    assert notifications({"fleet-push-token": "1"}).to_json() == notifications(["fleet-push-token"]).to_json()
    (token,) = notifications(["fleet-push-token"]).by_type(RANDOM_BYTES)
    assert token.replacement_trigger == "1"


# ---------------------------------------------------------------------------------------------
# The generation id


_inputs = st.fixed_dictionaries({
    "rotation": st.text(max_size=63), "algorithm": st.sampled_from(["ecdsa-p384", "ed25519"]),
    "read_only": st.booleans(), "repository": st.text(min_size=1, max_size=20),
    "title": st.text(min_size=1, max_size=40)})


@given(_inputs, _inputs)
def test_every_replacing_input_gives_another_generation(a: dict[str, object], b: dict[str, object]) -> None:
    """Any change of an input that would replace the GitHub deploy key (or of the rotation
    marker) names a new generation, so it is never a replacement; equal inputs, equal id."""
    gen: Callable[..., str] = generation
    assert (gen(**a) == gen(**b)) == (a == b)


@given(_inputs)
def test_a_generation_is_a_plain_name_part(a: dict[str, object]) -> None:
    gen: Callable[..., str] = generation
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}-[0-9a-f]{8}", gen(**a))
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}", str(a["rotation"])):
        assert gen(**a).startswith(f"{a['rotation']}-")  # readable in the plan


# ---------------------------------------------------------------------------------------------
# End to end: what `fluxform plan` shows (fluxform.diff.compute_plan)


def test_the_plan_shows_the_rotation_in_pulumi_up_order(dev: Graph, dev_rotated: Graph) -> None:
    plan = compute_plan(dev, dev_rotated)
    old, new = under(dev, FLEET), under(dev_rotated, FLEET)
    changes = [(c.op, c.urn) for c in plan.changes if c.op is not Op.NOOP]
    assert changes == [
        (Op.CREATE, new[PRIVATE_KEY].urn),
        (Op.CREATE, new[DEPLOY_KEY].urn),
        # The stacks' Kubernetes provider sets enableSecretMutable: the switch is one update.
        (Op.UPDATE, new[SECRET].urn),
        (Op.DELETE, old[DEPLOY_KEY].urn),
        (Op.DELETE, old[PRIVATE_KEY].urn),
    ]
    assert not [c for c in plan.changes if c.op is Op.REPLACE]


def test_the_plan_of_an_upgraded_deployed_stack_is_empty_for_the_keys(tmp_path: Path) -> None:
    legacy = Graph.from_json((GOLDEN / "legacy-dev.graph.json").read_text(encoding="utf-8"))
    now = capture_edited("dev", tmp_path)
    plan = compute_plan(legacy, now)
    mine = [c for c in plan.changes
            if c.urn in legacy.resources or (c.previous_urn or "") in legacy.resources]
    assert len(mine) == len(legacy)
    # No input changes and no replacement. The key pairs are matched through their aliases;
    # the engine takes such a match with no diff as a same step (step_generator.go,
    # continueStepsFromDiff, NewSameStep), which the plan may list as a rename.
    assert not [c for c in mine if c.fields or c.op not in (Op.NOOP, Op.UPDATE)]
    assert not [c for c in mine if c.op is Op.UPDATE and not c.previous_urn]
    assert {c.previous_urn for c in mine if c.previous_urn} == {
        u for u in legacy.resources if u.endswith(("-key-key", "-key-github"))}
