"""CrossGuard pack: `pulumi preview --policy-pack policy-pack [--policy-pack-config ...]`."""

from pulumi_policy import PolicyPack

from fluxform.policy.crossguard import policies

PolicyPack(name="fluxform-guardrails", policies=policies())
