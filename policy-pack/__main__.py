"""CrossGuard pack: `pulumi preview --policy-pack policy-pack [--policy-pack-config FILE]`.

Every policy is one fluxform rule (fluxform/policy/rules.py), validated by the same function
`fluxform check` runs; see docs/policy.md.
"""

from pulumi_policy import PolicyPack

from fluxform.policy.crossguard import PACK_NAME, policies

PolicyPack(name=PACK_NAME, policies=policies())
