"""The vocabulary of the spec's field table: what kinds of value a key may hold.

A kind is plain data (a pattern, bounds, choices, nested fields); validate.py, schema.py and
reference.py each interpret it. Patterns are written in the subset of regex syntax that Python
and ECMA-262 (what JSON Schema editors run) read alike: ASCII classes, no lookbehind, and
`[0-9]` rather than `\\d`, which in Python also matches non-ASCII digits. The loader applies
them with `re.fullmatch`, so a trailing newline can never slip past a `$`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Text:
    """A string. `what` names it in messages and docs ("a Kubernetes name")."""

    what: str
    pattern: str = ""
    max_len: int = 253
    example: str = ""
    hint: str = ""
    echo: bool = True
    """Whether an invalid value may be quoted back in an error (never for free text or URLs)."""
    reserved: tuple[str, ...] = ()
    reserved_hint: str = ""
    numbers: bool = False
    """Accept a YAML integer and keep its decimal text (Kubernetes quantities)."""
    url: bool = False
    """A URL: user info (`user@`, `user:password@`) is checked (validate.url_credentials)."""
    lines: bool = False
    """Multi-line text: tab and newline are allowed (every other control character never is)."""

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern) if self.pattern else None


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of strings. `aliases` maps YAML 1.1 misreadings back (off -> False)."""

    choices: tuple[str, ...]
    aliases: tuple[tuple[bool, str], ...] = ()


@dataclass(frozen=True)
class Flag:
    """true or false (never yes/no strings, never 0/1)."""


@dataclass(frozen=True)
class Whole:
    """An integer in [minimum, maximum]; a boolean is not an integer."""

    minimum: int
    maximum: int
    hint: str = ""


@dataclass(frozen=True)
class OneOf:
    """At most one of `keys` may be set; with `required`, exactly one."""

    keys: tuple[str, str]
    hint: str
    required: bool = True


@dataclass(frozen=True)
class Implies:
    """When `key` is set (and not false), `needs` must be set (and not false) too."""

    key: str
    needs: str
    hint: str


@dataclass(frozen=True)
class When:
    """When `key` (a Choice) has one of `values`, every key of `required` must be set and no
    key of `forbidden` may be written (a tenant source of `type: oci` needs `url` and takes no
    `branch`)."""

    key: str
    values: tuple[str, ...]
    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class Obj:
    """A mapping with a fixed set of keys; any other key is an error."""

    fields: Mapping[str, Field]
    one_of: tuple[OneOf, ...] = ()
    implies: tuple[Implies, ...] = ()
    when: tuple[When, ...] = ()
    optional: bool = False
    """Absent means None (a feature left off), not a mapping of defaults."""


@dataclass(frozen=True)
class Seq:
    """A list. With `key`, items are objects named by that key, unique within the list, and
    `noun` names one of them in messages ("layer"). With `unique`, scalar items are unique."""

    item: Kind
    key: str = ""
    noun: str = ""
    unique: bool = False


@dataclass(frozen=True)
class Dict:
    """A mapping of free keys (matching `key`) to values of one kind."""

    key: Text
    value: Text | Choice


@dataclass(frozen=True)
class Json:
    """A free mapping of JSON-compatible values (Helm values); never echoed in errors."""


Kind = Text | Choice | Flag | Whole | Obj | Seq | Dict | Json


@dataclass(frozen=True)
class Field:
    """One key of an Obj: its kind, documentation, whether it is required and its default.

    `ref` names the collection (a path of keys, e.g. ("layers",)) whose item names this value,
    or each item of this list, must be. A list whose items refer to their own collection is
    checked for cycles.
    """

    kind: Kind
    doc: str
    required: bool = False
    default: object = None
    ref: tuple[str, ...] = ()


_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
NAME = Text("a Kubernetes name", f"^{_LABEL}$", 63, "team-a",
            "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63")
RELEASE_NAME = Text("a Helm release name", f"^{_LABEL}$", 53, "podinfo",
                    "lower-case letters, digits and '-', at most 53 (Helm's limit)")
SUBDOMAIN = Text("a Kubernetes object name", f"^{_LABEL}(\\.{_LABEL})*$", 253, "fleet-signing-keys",
                 "lower-case letters, digits, '-' and '.', at most 253")
ROLE_NAME = Text("a ClusterRole name", "^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$", 253, "admin",
                 "lower-case letters, digits, '-', '.' and ':'")
EVENT_TARGET = Text("an object name or '*'", f"^(\\*|{_LABEL}(\\.{_LABEL})*)$", 253, "flux-system",
                    "a Kubernetes object name, or '*' for all objects of the kind")
CHART = Text("a chart name", "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", 253, "podinfo",
              "letters, digits, '-', '_' and '.'")
DURATION = Text("a duration", "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$", 32, "5m", "use e.g. 30s, 5m, 1h30m")
_SEMVER = ("(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)"
           "(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?")
EXACT_VERSION = Text("an exact version", f"^v?{_SEMVER}$", 64, "2.17.2",
                     "an exact semantic version such as 2.17.2 (no ranges, no wildcards)")
CHART_VERSION = Text("a chart version", "^[0-9A-Za-z.*^~<>=|, +-]+$", 64, "6.7.1",
                     "an exact version such as 1.2.3 (policy rules FF005/FF006 judge ranges)")
GITHUB_OWNER = Text("a GitHub owner", "^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$", 39, "acme",
                    "letters, digits and single '-' between them, at most 39")
GITHUB_REPO = Text("a GitHub repository name", "^(?!\\.\\.?$)[A-Za-z0-9._-]+$", 100, "fleet",
                   "letters, digits, '.', '_' and '-', at most 100")
BRANCH = Text("a Git branch name", "^(?![-/.])(?!.*(\\.\\.|//|@\\{|\\.lock$|/$))[A-Za-z0-9._/+-]+$",
              255, "main", "letters, digits and . _ / + -, without '..', '//' or a leading '-'")
REL_PATH = Text("a relative path",
                "^(?!/)(?!(.*/)?\\.\\.(/|$))(\\./)?([A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/?)?$", 1024,
                "./clusters/dev", "use e.g. ./clusters/dev (relative, no '..')")
CONTEXT = Text("a kubeconfig context name", "^[^\\s]+$", 253, "kind-dev", "no spaces")
SOURCE_URL = Text("a source URL", "^(https|ssh|oci)://[^\\s]+$", 2048, "https://github.com/acme/apps",
                  "https:// or ssh:// (type git), oci:// (type oci)", echo=False, url=True)
_HOST_KEY = "[^\\s#]+ [A-Za-z0-9@.-]+ [A-Za-z0-9+/]+={0,3}"
KNOWN_HOSTS = Text("known_hosts lines", f"^{_HOST_KEY}(\\n{_HOST_KEY})*\\n?$", 16384,
                   "git.example.com ssh-ed25519 AAAA...",
                   "one 'host key-type base64-key' line per host key (ssh-keyscan output)", echo=False,
                   lines=True)
OCI_TAG = Text("an OCI tag", "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", 128, "latest",
               "letters, digits, '_', '.' and '-', at most 128")
DIGEST = Text("an OCI digest", "^sha256:[a-f0-9]{64}$", 71, "sha256:<64 hex digits>",
              "sha256: followed by 64 lower-case hex digits")
SEMVER_RANGE = Text("a semver range", "^[0-9A-Za-z.*^~<>=|, +-]+$", 64, ">=1.0.0",
                    "a semver range such as >=1.0.0 <2.0.0")
OIDC = Text("an OIDC issuer or subject pattern", "^[^\\s]+$", 1024,
            "https://token.actions.githubusercontent.com", "a regular expression without spaces",
            echo=False)
URL = Text("a URL", "^(oci|https?)://[^\\s]+$", 2048, "oci://ghcr.io/org/charts",
           "an oci:// or https:// URL", echo=False, url=True)
WEB_URL = Text("a URL", "^https?://[^\\s]+$", 2048, "https://example.com/hook", "an https:// URL", echo=False,
               url=True)
CONFIG_KEY = Text("a Pulumi config key", "^[A-Za-z][A-Za-z0-9_-]*$", 128, "slackWebhookUrl",
                  "the key of a secret in the stack config (fluxform namespace), e.g. slackWebhookUrl")
EVENT = Text("an event name", "^[A-Za-z0-9_.:-]+$", 63, "push", "e.g. push or ping")
FREE = Text("text", "", 1024, "any text", echo=False, lines=True)
ROTATION = Text("a rotation marker", "", 63, "2026-01", "any short text, e.g. a date")
QUANTITY = Text("a Kubernetes quantity",
                "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$",
                64, "4Gi", "a non-negative quantity such as 4, 500m or 8Gi", numbers=True)
RESOURCE = Text("a resource name", "^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$", 253, "requests.cpu",
                "e.g. pods, requests.cpu, limits.memory, count/deployments.apps")
ANNOTATION_KEY = Text("an annotation key",
                      f"^({_LABEL}(\\.{_LABEL})*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", 316,
                      "fluxform.io/owner", "an optional DNS prefix and '/', then a name")
ANNOTATION_VALUE = Text("an annotation value", "", 4096, "text", echo=False, lines=True)
RULE_ID = Text("a policy rule id", "^FF[0-9]{3}$", 16, "FF001",
               "rule ids look like FF001 (see docs/policy.md)")
VAR_NAME = Text("a substitution variable name", "^[A-Za-z_][A-Za-z0-9_]*$", 253, "CLUSTER_DOMAIN",
                "letters, digits and '_', not starting with a digit (Flux postBuild variables)")
VAR_VALUE = Text("a substitution value", "", 4096, "example.com", echo=False, lines=True)
AGE_RECIPIENT = Text("an age public key", "^age1[02-9ac-hj-np-z]{58}$", 62, "age1...",
                     "the public key `age-keygen -y` prints (age1 and 58 characters); the private "
                     "key belongs in the stack config (pulumi config set --secret)", echo=False)
API_VERSION = Text("an API version", "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?v[0-9]+((alpha|beta)[0-9]+)?$", 253,
                   "apps/v1", "group/version such as apps/v1, or v1 for the core group")
KIND_NAME = Text("a Kubernetes kind", "^[A-Z][A-Za-z0-9]*$", 63, "Deployment",
                 "a kind name such as Deployment (upper camel case)")
PATCH_TEXT = Text("a patch", "", 65536, "a YAML mapping or a JSON6902 list", echo=False, lines=True)
SELECTOR = Text("a selector", "", 1024, "app=web", echo=False)
TARGET_NAME = Text("a name or regular expression", "^[^\\s]+$", 253, "web", "no spaces", echo=False)
