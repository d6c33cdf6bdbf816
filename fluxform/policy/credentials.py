"""Credential rules: authenticated receivers, strong tokens, least-privilege deploy keys."""

from __future__ import annotations

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
