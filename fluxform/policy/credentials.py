"""Credential rules: authenticated receivers, strong tokens, least-privilege deploy keys, and
no credentials in plain sight (Helm values, URLs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fluxform.graph import (
    HELM_RELEASE_PULUMI,
    URL_WITH_PASSWORD,
    URL_WITH_TOKEN,
    credential_key,
    credential_marker,
    is_marker,
    plain_credential,
)
from fluxform.policy.model import Context, Hits, PolicyObject, missing, of, sub, text

MIN_TOKEN_BYTES = 32
TOKEN_TYPES = {
    "random:index/randomBytes:RandomBytes": "length",
    "random:index/randomPassword:RandomPassword": "length",
}
DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey"


def receiver_auth(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF011: a Receiver of plain `generic` type, or without a token secretRef."""
    for o in of(objs, "Receiver"):
        if o.spec.get("type") == "generic":
            yield o.subject, f"{o.label} is of type generic (no payload signature check)"
        if missing(o.props, "spec", "secretRef", "name"):
            yield o.subject, f"{o.label} has no secretRef (no token)"


def token_length(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF012: a generated token shorter than 32 bytes."""
    for o in objs:
        field = TOKEN_TYPES.get(o.type)
        length = o.props.get(field) if field else None
        if isinstance(length, int) and not isinstance(length, bool) and length < MIN_TOKEN_BYTES:
            yield o.subject, f"token {o.name} is {length} bytes (under {MIN_TOKEN_BYTES})"


def _automation_repositories(objs: list[PolicyObject]) -> set[str]:
    """Repositories an ImageUpdateAutomation in the stack writes to (by GitRepository URL)."""
    urls = {(o.namespace, o.name): text(o.spec.get("url")) or "" for o in of(objs, "GitRepository")}
    out = set()
    for o in of(objs, "ImageUpdateAutomation"):
        ref = sub(o.spec, "sourceRef") or {}
        url = urls.get((text(sub(ref, "namespace")) or o.namespace, text(sub(ref, "name")) or ""), "")
        if url:
            out.add(url.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1])
    return out


def deploy_key_read_only(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF013: a read-write deploy key on a repository image automation does not write to."""
    writable = set(ctx.writable_repositories) | _automation_repositories(objs)
    for o in objs:
        if o.type == DEPLOY_KEY and o.props.get("readOnly") is False:
            repo = text(o.props.get("repository")) or "?"
            if repo not in writable:
                yield o.subject, f"deploy key {o.name} on {repo} is read-write but nothing pushes to it"


def image_automation_branch(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF014: in production, image automation pushing to the branch Flux syncs from."""
    if not ctx.production:
        return
    for ia in ctx.image_automation:
        if ia.push_branch in (None, "", ia.branch):
            yield ia.repository, (f"image automation pushes to {ia.repository}'s production "
                                  f"branch {ia.branch}")
    for o in of(objs, "ImageUpdateAutomation"):
        checkout = text(sub(o.spec, "git", "checkout", "ref", "branch"))
        push = text(sub(o.spec, "git", "push", "branch")) or checkout
        if checkout and push == checkout:
            yield o.subject, f"{o.label} pushes to the production branch {checkout}"




def url_with_password(value: Any, path: str = "") -> Iterator[str]:
    """The paths (never the values) of every string in `value` holding `user:pass@` in a URL
    (a password the capture masked, `user:***@`, included), or a bare `token@` in an https://
    or oci:// URL."""
    if isinstance(value, str):
        if URL_WITH_PASSWORD.search(value) or URL_WITH_TOKEN.search(value):
            yield path or "(value)"
    elif isinstance(value, dict) and not is_marker(value):
        for key in sorted(value, key=str):
            yield from url_with_password(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from url_with_password(item, f"{path}[{index}]")


def _plain_secrets(values: Any, path: str = "") -> Iterator[str]:
    """Paths of non-empty plain strings under secret-looking keys of Helm values."""
    if isinstance(values, dict) and not is_marker(values):
        for key in sorted(values, key=str):
            item, where = values[key], f"{path}.{key}" if path else str(key)
            if plain_credential(key, item) or (credential_marker(item) and isinstance(key, str)
                                               and credential_key(key)):
                # The capture redacts the plain credential into a marker without fingerprint
                # (fluxform.graph.redact_helm_values): the rule sees where it was written.
                yield where
            else:
                yield from _plain_secrets(item, where)
    elif isinstance(values, list):
        for index, item in enumerate(values):
            yield from _plain_secrets(item, f"{path}[{index}]")


def _short(path: str) -> str:
    return path if len(path) <= 80 else path[:77] + "..."


def plain_credentials(objs: list[PolicyObject], ctx: Context) -> Hits:
    """FF020: a Helm value under a secret-looking key in plain text, or a URL with a password
    (sources, providers, Helm values). Messages name the path, never the value."""
    for o in objs:
        if o.is_kubernetes and o.kind == "HelmRelease":
            values, label = o.spec.get("values"), o.label
        elif o.type == HELM_RELEASE_PULUMI:
            values, label = o.props.get("values"), f"Helm release {o.name}"
        else:
            values, label = None, o.label
        for where in _plain_secrets(values):
            yield o.subject, f"{label} sets the secret-looking value {_short(where)} in plain text"
        urls = {"GitRepository": "url", "HelmRepository": "url", "OCIRepository": "url",
                "Bucket": "endpoint", "Provider": "address"}
        field = urls.get(o.kind) if o.is_kubernetes else None
        for where in url_with_password(o.spec.get(field) if field else None, f"spec.{field}"):
            yield o.subject, f"{label} has a password in the URL at {where}"
        for where in url_with_password(values, "values"):
            yield o.subject, f"{label} has a password in a URL at {_short(where)}"
