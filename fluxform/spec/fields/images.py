"""Image automation: the ImageRepositories scanned, the ImagePolicies that pick a tag, and
the fleet's ImageUpdateAutomation."""

from __future__ import annotations

from fluxform.spec.kinds import (
    DURATION,
    FREE,
    NAME,
    OIDC,
    REL_PATH,
    SEMVER_RANGE,
    SUBDOMAIN,
    VAR_VALUE,
    Choice,
    Field,
    Implies,
    Obj,
    Seq,
    Text,
)

# Free text that goes into one header line (a commit author): as FREE, without the newline
# and tab multi-line text may hold (a newline there would start another header).
ONE_LINE = Text("text", "", 1024, "any text", echo=False)
IMAGE_NAME = Text("an image name", "^[a-z0-9]+([._/:-][a-z0-9]+)*$", 255, "ghcr.io/acme/web",
                  "registry/repository without a tag, e.g. ghcr.io/acme/web")
ORDER = Choice(("asc", "desc"))

IMAGE_REPOSITORY = Obj({
    "name": Field(NAME, "ImageRepository name (in flux-system).", required=True),
    "image": Field(IMAGE_NAME, "The image whose tags are scanned (no tag).", required=True),
    "interval": Field(DURATION, "How often the registry is scanned.", default="5m"),
    "provider": Field(Choice(("generic", "aws", "azure", "gcp")), "Registry authentication: generic "
                      "(secret_ref or anonymous) or the cloud's workload identity.", default="generic"),
    "secret_ref": Field(SUBDOMAIN, "Registry credentials Secret in flux-system (managed outside fluxform)."),
})

IMAGE_POLICY = Obj({
    "name": Field(NAME, "ImagePolicy name (in flux-system; the name setters refer to).", required=True),
    "repository": Field(NAME, "Name of an image_automation.repositories entry.", required=True,
                        ref=("image_automation", "repositories")),
    "semver": Field(SEMVER_RANGE, "Pick the highest tag in this semver range."),
    "alphabetical": Field(ORDER, "Pick the last tag in alphabetical order (asc) or the first (desc)."),
    "numerical": Field(ORDER, "Pick the highest number (asc) or the lowest (desc)."),
    "filter_pattern": Field(OIDC, "Regular expression tags must match (filterTags.pattern)."),
    "filter_extract": Field(VAR_VALUE, "What of the match is ordered, e.g. $ts (filterTags.extract; needs "
                            "filter_pattern)."),
}, implies=(Implies("filter_extract", "filter_pattern", "extract from a pattern's named group"),))

IMAGE_UPDATE = Obj({
    "interval": Field(DURATION, "How often the automation runs.", default="30m"),
    "path": Field(REL_PATH, "Directory of the fleet repository whose setters are updated (default: "
                  "fleet.path)."),
    "strategy": Field(Choice(("Setters",)), "Update strategy (setter markers in the manifests).",
                      default="Setters"),
    "author_name": Field(ONE_LINE, "Commit author name.", default="fluxcdbot"),
    "author_email": Field(ONE_LINE, "Commit author e-mail.", default="fluxcdbot@users.noreply.github.com"),
    "message_template": Field(FREE, "Commit message template."),
    "signing_key_secret": Field(SUBDOMAIN, "Secret (in flux-system, managed outside fluxform) with the "
                                "key commits are signed with."),
    "signing_key_type": Field(Choice(("gpg", "ssh")), "Kind of that signing key.", default="gpg"),
})

IMAGE_AUTOMATION = Obj({
    "repositories": Field(Seq(IMAGE_REPOSITORY, key="name", noun="image repository"),
                          "Images whose tags are scanned (ImageRepository).", default=[]),
    "policies": Field(Seq(IMAGE_POLICY, key="name", noun="image policy"),
                      "How the latest tag is picked (ImagePolicy): one of semver, alphabetical, numerical.",
                      default=[]),
    "update": Field(IMAGE_UPDATE, "The ImageUpdateAutomation flux-system: checks out fleet.branch, commits "
                    "and pushes to fleet.image_automation_branch."),
}, optional=True)
