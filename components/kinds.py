"""The provider resource kinds the components create, declared as one data table.

The components register their Kubernetes objects, the Helm release and the GitHub deploy key
and provider through this table instead of the providers' generated classes. Importing those
classes is the largest fixed cost of a plan: `pulumi_kubernetes.core.v1` alone defines some
thousand input and output classes, and `pulumi_github` imports every one of its ~160 modules
when it is imported at all; together about half a second per process, a third of what a
1,000-resource plan took (bench/RESULTS.md).

What the engine receives is what the generated class would send: the same type token,
camelCase input names, the values the class fixes (`apiVersion`, `kind`, the Helm release's
`compat`), secret inputs wrapped as secrets, `additionalSecretOutputs`, type aliases and the
provider plugin version. tests/program/test_kinds.py registers every kind both ways and
compares the requests field by field, so a provider upgrade that changes any of this fails
there; tests/program/test_requests_golden.py holds the whole program's requests as the
generated classes sent them.

Inputs are given by their wire names, camelCase at every depth (`{"roleRef": {"apiGroup": ...}}`):
unlike the generated classes, the table translates no snake_case keys. Outputs are plain values
keyed the same way (`resource.output("metadata")["name"]`), not the generated output classes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import metadata
from typing import Any

import pulumi


@dataclass(frozen=True)
class Kind:
    """One resource type as its provider's generated class registers it."""

    token: str
    """Pulumi type token (for a provider: its package name, `pulumi:providers:<token>`)."""
    package: str
    """Distribution of the provider SDK whose plugin serves the kind (its version is sent)."""
    inputs: frozenset[str]
    """Input property names (camelCase) the generated class accepts, fixed ones aside."""
    required: tuple[str, ...] = ()
    fixed: Mapping[str, str] = field(default_factory=dict)
    """Values the generated class always sends, whatever it is given."""
    secret_inputs: tuple[str, ...] = ()
    """Inputs the generated class wraps as secrets."""
    secret_outputs: tuple[str, ...] = ()
    """`additionalSecretOutputs` of the generated class."""
    aliases: tuple[str, ...] = ()
    """Earlier type tokens the generated class declares as aliases."""
    outputs: tuple[str, ...] = ()
    """Output-only properties (readable with `output()` after registration)."""
    env_defaults: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    """Input -> (environment variable, fallback) the generated class reads when not given."""
    provider: bool = False

    @cached_property
    def properties(self) -> tuple[str, ...]:
        """Every input and output-only property, sorted (worked out once per kind)."""
        return tuple(sorted(self.inputs | set(self.outputs)))

    def props(self, name: str, given: Mapping[str, pulumi.Input[Any]],
              opts: pulumi.ResourceOptions | None = None) -> dict[str, Any]:
        """The registered inputs for `given`, checked like the generated class checks them.

        Every input and output property is present (None where not given) so that each has an
        output on the resource, as on a generated class; None values are not sent. With
        `opts.id` (read an existing resource) nothing is sent: the engine reads the state.
        """
        unknown = sorted(set(given) - self.inputs)
        if unknown:
            raise TypeError(f"{self.token} {name}: unknown input {unknown[0]!r} "
                            f"(known: {', '.join(sorted(self.inputs))})")
        props: dict[str, Any] = dict.fromkeys(self.properties)
        if opts is not None and opts.id is not None:
            return props
        props.update({key: value for key, value in given.items() if value is not None})
        for key, (variable, fallback) in self.env_defaults.items():
            if props.get(key) is None:  # as the SDKs read it: a set but empty variable counts,
                value = os.environ.get(variable)  # unless there is a fallback to use instead
                props[key] = (value or fallback) if fallback is not None else value
        missing = [key for key in self.required if props.get(key) is None]
        if missing and not (opts is not None and opts.urn):
            raise TypeError(f"{self.token} {name}: missing required input {missing[0]!r}")
        for key in self.secret_inputs:
            if props.get(key) is not None:
                props[key] = pulumi.Output.secret(props[key])
        props.update(self.fixed)
        return props

    def options(self, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
        """`opts` with the defaults the generated class adds (the caller's values win)."""
        merged = pulumi.ResourceOptions.merge(
            pulumi.ResourceOptions(version=plugin_version(self.package)), opts)
        extra = pulumi.ResourceOptions(
            additional_secret_outputs=list(self.secret_outputs) or None,
            aliases=[pulumi.Alias(type_=t) for t in self.aliases] or None)
        return pulumi.ResourceOptions.merge(merged, extra)


class KindResource(pulumi.CustomResource):
    """A custom resource of a table kind."""

    def __init__(self, kind: Kind, name: str, props: Mapping[str, pulumi.Input[Any]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(kind.token, name, kind.props(name, props, opts), kind.options(opts))

    def output(self, prop: str) -> pulumi.Output[Any]:
        """The output property `prop` (camelCase), e.g. `output("metadata")["name"]`."""
        value = self.__dict__.get(prop)
        if not isinstance(value, pulumi.Output):
            raise AttributeError(f"{self._name} has no output {prop!r}")
        return value


class KindProvider(pulumi.ProviderResource):
    """A provider resource of a table kind (string-valued settings only: the generated
    provider classes JSON-encode the others, which this table does not)."""

    def __init__(self, kind: Kind, name: str, props: Mapping[str, pulumi.Input[str]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        if not kind.provider:
            raise TypeError(f"{kind.token} is not a provider kind")
        super().__init__(kind.token, name, kind.props(name, props, opts), kind.options(opts))


_PRE = {"a": "alpha", "b": "beta", "rc": "rc"}
_PEP440 = re.compile(
    r"(\d+)\.(\d+)\.(\d+)(?:(a|b|rc)(\d+))?(?:\.post\d+)?(?:\.dev(\d+))?(?:\+(.+))?")


def semver(pep440: str) -> str:
    """The semver string the engine expects for a provider SDK's PEP 440 version, as the SDKs
    compute it: `1.2.3a4` -> `1.2.3-alpha.4`, `1.2.3.dev5` -> `1.2.3-dev.5`, `1.2.3+x` -> `1.2.3-x`
    (a post-release number is dropped, as the SDKs drop it)."""
    match = _PEP440.fullmatch(pep440)
    if match is None:
        raise ValueError(f"unexpected provider SDK version {pep440!r}")
    major, minor, patch, pre, pre_n, dev, local = match.groups()
    core = f"{major}.{minor}.{patch}"
    if pre:
        return f"{core}-{_PRE[pre]}.{pre_n}"
    if dev:
        return f"{core}-dev.{dev}"
    return f"{core}-{local}" if local else core


@cache
def plugin_version(package: str) -> str:
    """The provider plugin version a resource of `package` asks the engine for."""
    return semver(metadata.version(package))


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _k8s(api_version: str, kind: str, inputs: str, **extra: Any) -> Kind:
    """A Kubernetes kind: token `kubernetes:<group>/<version>:<Kind>` (`core` for the core group)."""
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return Kind(token=f"kubernetes:{group_version}:{kind}", package="pulumi_kubernetes",
                inputs=_names(inputs),
                fixed={"apiVersion": api_version, "kind": kind}, **extra)


NAMESPACE = _k8s("v1", "Namespace", "metadata spec", outputs=("status",))
SERVICE_ACCOUNT = _k8s("v1", "ServiceAccount",
                       "automountServiceAccountToken imagePullSecrets metadata secrets")
RESOURCE_QUOTA = _k8s("v1", "ResourceQuota", "metadata spec", outputs=("status",))
LIMIT_RANGE = _k8s("v1", "LimitRange", "metadata spec")
NETWORK_POLICY = _k8s("networking.k8s.io/v1", "NetworkPolicy", "metadata spec",
                      aliases=("kubernetes:extensions/v1beta1:NetworkPolicy",), outputs=("status",))
SECRET = _k8s("v1", "Secret", "data immutable metadata stringData type",
              secret_inputs=("data", "stringData"), secret_outputs=("data", "stringData"))
ROLE_BINDING = _k8s("rbac.authorization.k8s.io/v1", "RoleBinding", "metadata roleRef subjects",
                    required=("roleRef",),
                    aliases=("kubernetes:rbac.authorization.k8s.io/v1alpha1:RoleBinding",
                             "kubernetes:rbac.authorization.k8s.io/v1beta1:RoleBinding"))
HELM_RELEASE = Kind(
    token="kubernetes:helm.sh/v3:Release", package="pulumi_kubernetes",
    inputs=_names(
        "allowNullValues atomic chart cleanupOnFail createNamespace dependencyUpdate "
        "description devel disableCRDHooks disableOpenapiValidation disableWebhooks "
        "forceUpdate keyring lint manifest maxHistory name namespace postrender recreatePods "
        "renderSubchartNotes replace repositoryOpts resetValues resourceNames reuseValues "
        "skipAwait skipCrds takeOwnership timeout valueYamlFiles values verify version "
        "waitForJobs"),
    required=("chart",), fixed={"compat": "true"}, outputs=("status",))
GITHUB_DEPLOY_KEY = Kind(
    token="github:index/repositoryDeployKey:RepositoryDeployKey", package="pulumi_github",
    inputs=_names("key readOnly repository title"),
    required=("key", "repository", "title"), outputs=("etag",))
GITHUB_PROVIDER = Kind(
    token="github", package="pulumi_github", provider=True,
    inputs=_names("baseUrl cachePath organization owner token"),
    secret_inputs=("token",), secret_outputs=("token",))
"""The generated `pulumi_github.Provider` fills `baseUrl` from GITHUB_BASE_URL and `token` from
GITHUB_TOKEN in the process that runs the program. This kind reads no environment at all
(issue #12: no value of the planner's environment may reach a graph, not even hashed): the
program sets `baseUrl` explicitly and leaves `token` out, which the provider plugin then fills
from GITHUB_TOKEN itself when `pulumi up` configures it (pulumi-github provider/resources.go,
Config `token`: Default EnvVars GITHUB_TOKEN; terraform-provider-github github/provider.go,
EnvDefaultFunc). The token never becomes a resource input, so it is in no state either."""
KUBERNETES_PROVIDER = Kind(
    token="kubernetes", package="pulumi_kubernetes", provider=True,
    inputs=_names(
        "alwaysRender cluster clusterIdentifier context deleteUnreachable enableConfigMapMutable "
        "enablePatchForce enableSecretMutable enableServerSideApply helmReleaseSettings "
        "kubeClientSettings kubeconfig namespace renderYamlToDirectory skipUpdateUnreachable "
        "suppressDeprecationWarnings suppressHelmHookWarnings upsertExistingObjects"),
    secret_inputs=("kubeconfig",))
"""The Kubernetes provider with no environment defaults (the generated `pulumi_kubernetes.Provider`
reads KUBECONFIG and nine PULUMI_K8S_* variables for unset inputs) and `kubeconfig` a secret
input (pulumi-kubernetes does not mark it, so state would hold it in plain text). Boolean
settings are sent JSON-encoded, `"true"`/`"false"`, as the generated class sends them."""
