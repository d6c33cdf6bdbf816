"""Descriptors several parts of the field table share: Flux object annotations, lists of
names, the generated SSH deploy key, and an OCI artifact's registry and signature settings."""

from __future__ import annotations

from fluxform.spec.kinds import (
    ANNOTATION_KEY,
    ANNOTATION_VALUE,
    NAME,
    OIDC,
    ROTATION,
    SUBDOMAIN,
    Choice,
    Dict,
    Field,
    Flag,
    Obj,
    Seq,
)

ANNOTATIONS = Field(Dict(ANNOTATION_KEY, ANNOTATION_VALUE), "Extra annotations on the Flux object.",
                    default={})


def names(noun: str) -> Seq:
    """A list of distinct names of `noun`s (depends_on and the like)."""
    return Seq(NAME, unique=True, noun=noun)


DEPLOY_KEY = Obj({
    "algorithm": Field(Choice(("ecdsa-p384", "ed25519")),
                       "SSH key algorithm (ECDSA P-384, as `flux bootstrap` uses).", default="ecdsa-p384"),
    "rotation": Field(ROTATION, "Change it to replace the key, the GitHub deploy key and the Secret.",
                      default="1"),
})

OIDC_IDENTITY = Obj({
    "issuer": Field(OIDC, "Regular expression the OIDC issuer of the signature must match.", required=True),
    "subject": Field(OIDC, "Regular expression the OIDC subject of the signature must match.", required=True),
})

REGISTRY_PROVIDERS = ("generic", "aws", "azure", "gcp")

ARTIFACT_VERIFY: dict[str, Field] = {
    "verify_signatures": Field(Flag(), "Verify the artifact's signature (spec.verify).", default=False),
    "verify_provider": Field(Choice(("cosign", "notation")), "Signature provider.", default="cosign"),
    "verify_secret": Field(SUBDOMAIN, "Secret with the trusted public keys (omit it for keyless cosign)."),
    "verify_identities": Field(Seq(OIDC_IDENTITY), "Keyless cosign: the OIDC identities a signature may "
                               "come from.", default=[]),
}
"""The signature verification keys of an OCI artifact source (fleet.oci, a layer's source); checked
together by fluxform.spec.delivery.verify_options."""
