"""Environment tiers: the one explicit production switch.

`cluster.tier` is an enum (production | staging | dev), so it cannot be misspelled into
something that silently is not production. When a spec leaves it out, `cluster.environment`
names it only if it is one of the words below; an environment that merely looks like one
(`prodution`, `Production`, `prd`) is an error asking for an explicit tier, and any other
environment (`qa`, `bench`, `eu-west`) is the dev tier. A tier that contradicts the
environment's word (`environment: prod`, `tier: dev`) is an error too.

What each tier turns on is documented in docs/policy.md ("Tiers").
"""

from __future__ import annotations

import difflib
from typing import Any

from fluxform.spec.loader import Document

TIER_WORDS = {
    "production": "production", "prod": "production",
    "staging": "staging", "stage": "staging",
    "dev": "dev", "development": "dev",
}
_LOOKALIKE_CUTOFF = 0.75


def tier_of(environment: str) -> str | None:
    """The tier an environment name stands for, or None when it names none."""
    return TIER_WORDS.get(environment)


def check(doc: Document, data: dict[str, Any]) -> None:
    """Fill in `cluster.tier` (in place) or raise the SpecError that explains why it cannot be."""
    cluster = data["cluster"]
    environment: str = cluster["environment"]
    named = tier_of(environment)
    tier = cluster["tier"]
    if tier is not None:
        if named is not None and named != tier:
            raise doc.error(("cluster", "tier"), f"tier {tier} contradicts environment '{environment}' "
                            f"(the {named} tier)", "make them agree, or rename the environment")
        return
    if named is None:
        close = difflib.get_close_matches(environment.lower(), list(TIER_WORDS), n=1,
                                          cutoff=_LOOKALIKE_CUTOFF)
        if close or environment.lower() in TIER_WORDS:
            word = close[0] if close else environment.lower()
            raise doc.error(("cluster", "environment"), f"'{environment}' looks like '{word}' but names "
                            "no tier", f"set cluster.tier: {TIER_WORDS[word]} (or production, staging, dev)")
        named = "dev"
    cluster["tier"] = named
