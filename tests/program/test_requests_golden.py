"""The whole program asks the engine for exactly what it asked for with the generated classes.

`golden/requests-<stack>.json` holds every RegisterResourceRequest the program sends for the
example stacks (less source positions; URN lists and the requests themselves sorted). It was
first recorded at commit 30bba27, when the components still built their resources with the
providers' generated classes, and the kinds table reproduces it unchanged: inputs at every depth, secrets,
`additionalSecretOutputs`, aliases, plugin versions, providers, parents and dependencies.
Refresh it (FLUXFORM_UPDATE_GOLDEN=1) only for a change the program is meant to make.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, assert_golden
from registrations import requests_of

from fluxform.program import StackSettings, build
from fluxform.spec import load_spec

GOLDEN = Path(__file__).parent / "golden"
SECRET_CFG = {"fluxform:slackWebhookUrl": "placeholder", "fluxform:sopsAgeKey": "placeholder-age", "fluxform:teamASopsKey": "placeholder-age-a"}
GITHUB_ENV = ("GITHUB_TOKEN", "GITHUB_BASE_URL")


def program_requests(stack: str) -> str:
    spec = load_spec(ROOT / "stacks" / f"{stack}.yaml", display=f"stacks/{stack}.yaml")
    settings = StackSettings(spec.cluster.context, None, "acme")
    seen = requests_of(lambda: build(spec, settings), project="fluxform", stack=stack,
                       config=SECRET_CFG)
    # The order of registration follows the event loop's scheduling, which is no part of what
    # the engine is asked for (dependencies are explicit): sort by identity.
    seen.sort(key=lambda r: (r["type"], r.get("parent", ""), r["name"]))
    return json.dumps(seen, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_program_sends_the_recorded_requests(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in GITHUB_ENV:
        monkeypatch.delenv(variable, raising=False)
    assert_golden(GOLDEN / f"requests-{stack}.json", program_requests(stack))
