"""CrossGuard pack: `pulumi preview --policy-pack policy-pack [--policy-pack-config FILE]`.

Every policy is one fluxform rule (fluxform/policy/rules.py), validated by the same function
`fluxform check` runs; see docs/policy.md.

Where the rules come from: in a clone of the fluxform repository, the `fluxform` package of
that checkout (the directory beside this one), so the pack and `fluxform check` of one commit
always agree and nothing needs installing but requirements.txt; anywhere else (this directory
copied into another repository), the installed `fluxform` package (requirements.txt then
names `fluxform==<version>`).
"""

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "fluxform" / "policy" / "rules.py").is_file() and str(_CHECKOUT) not in sys.path:
    sys.path.insert(0, str(_CHECKOUT))

from pulumi_policy import PolicyPack  # noqa: E402

from fluxform.policy.crossguard import PACK_NAME, policies  # noqa: E402

PolicyPack(name=PACK_NAME, policies=policies())
