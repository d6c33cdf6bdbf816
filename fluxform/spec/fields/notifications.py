"""Flux notifications: providers, alerts, webhook receivers and the object references
alerts and receivers name."""

from __future__ import annotations

from fluxform.spec.kinds import (
    CONFIG_KEY,
    EVENT,
    EVENT_TARGET,
    FREE,
    NAME,
    WEB_URL,
    Choice,
    Field,
    Obj,
    OneOf,
    Seq,
)

FLUX_KINDS = ("Bucket", "GitRepository", "HelmChart", "HelmRelease", "HelmRepository", "ImagePolicy",
              "ImageRepository", "ImageUpdateAutomation", "Kustomization", "OCIRepository")
PROVIDER_TYPES = (  # notification.toolkit.fluxcd.io/v1beta3 Provider .spec.type
    "alertmanager", "azuredevops", "azureeventhub", "bitbucket", "bitbucketserver", "datadog",
    "discord", "generic", "generic-hmac", "gitea", "giteapullrequestcomment", "github",
    "githubdispatch", "githubpullrequestcomment", "gitlab", "gitlabmergerequestcomment",
    "googlechat", "googlepubsub", "grafana", "incident.io", "lark", "matrix", "msteams", "nats",
    "opsgenie", "otel", "pagerduty", "rocket", "sentry", "slack", "telegram", "webex", "zoom", "zulip")
RECEIVER_TYPES = ("acr", "bitbucket", "cdevents", "dockerhub", "gcr", "generic", "generic-hmac",
                  "generic-oidc", "github", "gitlab", "harbor", "nexus", "quay")


OBJECT_REF = Obj({
    "kind": Field(Choice(FLUX_KINDS), "Kind of the Flux object.", required=True),
    "name": Field(EVENT_TARGET, "Object name, or '*' for every object of the kind.", required=True),
    "namespace": Field(NAME, "Namespace of the object (default: the referring object's)."),
})

PROVIDER = Obj({
    "name": Field(NAME, "Provider name (in flux-system).", required=True),
    "type": Field(Choice(PROVIDER_TYPES), "Flux provider type.", required=True),
    "channel": Field(FREE, "Channel (Slack, Teams...)."),
    "address": Field(WEB_URL, "Non-secret address, e.g. an API URL."),
    "secret_config": Field(CONFIG_KEY, "Stack config key (fluxform namespace) of the secret address."),
}, one_of=(OneOf(("address", "secret_config"), "a secret address belongs in the stack config (secret_config)",
                 required=False),))

ALERT = Obj({
    "name": Field(NAME, "Alert name (in flux-system).", required=True),
    "provider": Field(NAME, "Name of a provider under notifications.providers.", required=True,
                      ref=("notifications", "providers")),
    "severity": Field(Choice(("info", "error")), "Lowest severity sent.", default="info"),
    "sources": Field(Seq(OBJECT_REF), "Objects whose events are sent.", default=[]),
    "summary": Field(FREE, "Summary added to every message."),
})

RECEIVER = Obj({
    "name": Field(NAME, "Receiver name (in flux-system).", required=True),
    "type": Field(Choice(RECEIVER_TYPES), "Webhook sender type.", required=True),
    "events": Field(Seq(EVENT, unique=True), "Events that trigger a reconcile (e.g. push).", default=[]),
    "resources": Field(Seq(OBJECT_REF), "Objects reconciled on a webhook.", default=[]),
})

NOTIFICATIONS = Obj({
    "providers": Field(Seq(PROVIDER, key="name", noun="provider"), "Notification providers.", default=[]),
    "alerts": Field(Seq(ALERT, key="name", noun="alert"), "Alerts.", default=[]),
    "receivers": Field(Seq(RECEIVER, key="name", noun="receiver"), "Webhook receivers.", default=[]),
})
