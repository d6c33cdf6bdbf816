"""Reading the Pulumi project: stacks, config as Pulumi hands it over, secure values never decrypted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT

from fluxform.errors import ConfigError
from fluxform.project import find_project, list_stacks, load_stack, placeholder

CIPHER = "v1:AAABAC0x:c2VjcmV0LWNpcGhlcnRleHQ="


def project(tmp_path: Path, stack_yaml: str, pulumi_yaml: str = "name: proj\nmain: prog/\n",
            stack: str = "dev") -> Path:
    (tmp_path / "Pulumi.yaml").write_text(pulumi_yaml)
    (tmp_path / "prog").mkdir(exist_ok=True)
    (tmp_path / "prog" / "__main__.py").write_text("")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(stack_yaml)
    return tmp_path


def test_the_example_stacks() -> None:
    assert list_stacks(ROOT) == ["dev", "prod"]
    dev = load_stack(ROOT, "dev")
    assert dev.config["fluxform:slackWebhookUrl"] == placeholder("v1:placeholder-dev:not-a-real-ciphertext")
    assert dev.secret_keys == ("fluxform:slackWebhookUrl", "fluxform:sopsAgeKey", "fluxform:teamASopsKey")
    assert dev.config["fluxform:kubeContext"] == "kind-fluxform-dev"
    assert dev.main == ROOT / "stacks" and dev.spec_label == "stacks/dev.yaml"
    assert find_project(ROOT / "stacks") == ROOT


def test_secure_values_become_deterministic_placeholders(tmp_path: Path) -> None:
    root = project(tmp_path, f"config:\n  proj:token:\n    secure: {CIPHER}\n"
                             f"  other:token:\n    secure: {CIPHER}x\n")
    first, second = load_stack(root, "dev"), load_stack(root, "dev")
    value = first.config["proj:token"]
    assert value == second.config["proj:token"] == placeholder(CIPHER)
    assert value.startswith("fluxform-secret-placeholder-") and CIPHER not in value
    assert first.config["other:token"] != value  # another ciphertext, another placeholder
    assert first.secret_keys == ("other:token", "proj:token")


def test_values_are_strings_as_pulumi_stores_them(tmp_path: Path) -> None:
    root = project(tmp_path, "config:\n  plain: text\n  proj:flag: true\n  count: 3\n"
                             "  aws:tags: {team: a, n: 1}\n  list: [1, two]\n"
                             f"  nested:\n    user: me\n    password:\n      secure: {CIPHER}\n")
    cfg = load_stack(root, "dev")
    assert cfg.config["proj:plain"] == "text"  # no namespace: the project's name
    assert cfg.config["proj:flag"] == "true" and cfg.config["proj:count"] == "3"
    assert json.loads(cfg.config["aws:tags"]) == {"team": "a", "n": 1}
    assert json.loads(cfg.config["proj:list"]) == [1, "two"]
    nested = json.loads(cfg.config["proj:nested"])  # a secure value inside: the whole key is secret
    assert nested == {"user": "me", "password": placeholder(CIPHER)}
    assert cfg.secret_keys == ("proj:nested",)


def test_project_level_defaults_apply_and_stack_values_win(tmp_path: Path) -> None:
    pulumi_yaml = ("name: proj\nmain: prog/\nconfig:\n  region: eu-1\n"
                   "  size:\n    type: integer\n    default: 2\n"
                   "  proj:mode:\n    value: fast\n  required:\n    type: string\n")
    cfg = load_stack(project(tmp_path, "config:\n  proj:size: 5\n  required: here\n", pulumi_yaml), "dev")
    assert cfg.config == {"proj:region": "eu-1", "proj:size": "5", "proj:mode": "fast",
                          "proj:required": "here"}


def test_stack_config_dir_and_qualified_stack_names(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: proj\nmain: main.py\nstackConfigDir: config\n")
    (tmp_path / "main.py").write_text("")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "Pulumi.staging.yaml").write_text("config:\n  a: b\n")
    assert list_stacks(tmp_path) == ["staging"]
    cfg = load_stack(tmp_path, "acme/proj/staging")
    assert cfg.stack == "staging" and cfg.main == tmp_path / "main.py"
    assert cfg.config == {"proj:a": "b"} and cfg.stack_file == "config/Pulumi.staging.yaml"


@pytest.mark.parametrize("pulumi_yaml, stack_yaml, stack, message", [
    ("name: proj\nmain: prog/\n", "config: [1, 2]\n", "dev",
     "Pulumi.dev.yaml:1: config: must be a mapping"),
    ("name: proj\nmain: prog/\n", "config:\n  a: b\n c: d\n", "dev",
     "Pulumi.dev.yaml:3: invalid YAML: expected <block end>"),
    ("name: proj\nmain: prog/\n", "- just\n- a list\n", "dev",
     "Pulumi.dev.yaml:1: expected a mapping at the top"),
    ("name: proj\nmain: prog/\n", "config:\n  a:b:c: x\n", "dev",
     "Pulumi.dev.yaml:2: config key 'a:b:c' is not"),
    ("name: proj\nmain: prog/\n", "config: {}\n", "prod",
     "Pulumi.prod.yaml: no such stack (hint: stacks here: dev)"),
    ("name: proj\nmain: prog/\n", "config: {}\n", "../../etc/passwd",
     "stack name '../../etc/passwd' is not valid"),
    ("main: prog/\n", "config: {}\n", "dev", "Pulumi.yaml: 'name' is missing"),
    ("name: proj\nmain: nowhere/\n", "config: {}\n", "dev", "Pulumi.yaml: main: nowhere does not exist"),
    ("name: proj\nmain: prog/\nconfig:\n  token:\n    type: string\n    secret: true\n",
     "config:\n  token: in-the-clear\n", "dev",
     "Pulumi.dev.yaml:2: proj:token: declared secret in Pulumi.yaml but stored in plain text"),
    ("name: proj\nmain: prog/\nconfig:\n  owner:\n    type: string\n  spare:\n    type: string\n    default: x\n",
     "config:\n  other: 1\n", "dev",
     "Pulumi.yaml:4: proj:owner: declared without a default but not set in Pulumi.dev.yaml, so "
     "`pulumi up` refuses this stack"),
], ids=["config-not-mapping", "bad-yaml", "top-not-mapping", "bad-key", "unknown-stack",
        "path-in-stack-name", "no-project-name", "missing-main", "secret-in-clear",
        "declared-without-default"])
def test_bad_project_files_name_the_file(tmp_path: Path, pulumi_yaml: str, stack_yaml: str,
                                         stack: str, message: str) -> None:
    root = project(tmp_path, stack_yaml, pulumi_yaml)
    with pytest.raises(ConfigError) as info:
        load_stack(root, stack)
    assert message in info.value.one_line()
    assert "in-the-clear" not in info.value.one_line()


def test_no_project_found(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no Pulumi.yaml in .* \(hint: pass --project DIR\)"):
        find_project(tmp_path)
