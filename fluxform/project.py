"""The Pulumi project on disk: Pulumi.yaml, its stacks and their config.

Config values stored `secure:` are never decrypted: the plan gets a placeholder derived from
the ciphertext (so a changed secret shows as changed) and the key is marked secret.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fluxform.errors import ConfigError
from fluxform.spec import Spec, load_spec


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    project_dir: Path
    main: Path
    config: dict[str, str]
    secret_keys: tuple[str, ...]

    @property
    def spec_label(self) -> str:
        """The spec path as errors and rendered headers show it (relative to the project)."""
        return str(self.spec_path.relative_to(self.project_dir))

    def load_spec(self) -> Spec:
        return load_spec(self.spec_path, display=self.spec_label)

    @property
    def spec_path(self) -> Path:
        value = self.config.get("fluxform:spec")
        if not value:
            raise ConfigError(f"Pulumi.{self.stack}.yaml: fluxform:spec is not set "
                              "(hint: pulumi config set fluxform:spec stacks/<env>.yaml)")
        return self.project_dir / value


def placeholder(ciphertext: str) -> str:
    digest = hashlib.sha256(ciphertext.encode()).hexdigest()[:12]
    return f"fluxform-secret-placeholder-{digest}"


def find_project(start: str | Path = ".") -> Path:
    here = Path(start).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    raise ConfigError(f"no Pulumi.yaml in {here} or its parents (hint: pass --project DIR)")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path.name}: file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f"{path.name}:{line + 1}" if line is not None else path.name
        raise ConfigError(f"{where}: invalid YAML (hint: check indentation)") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping")
    return data


def list_stacks(project_dir: Path) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def _as_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def load_stack(project_dir: str | Path, stack: str) -> StackConfig:
    root = Path(project_dir).resolve()
    project = _read_yaml(root / "Pulumi.yaml")
    name = str(project.get("name") or "")
    if not name:
        raise ConfigError("Pulumi.yaml: 'name' is missing")
    stack_file = root / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = ", ".join(list_stacks(root)) or "none"
        raise ConfigError(f"Pulumi.{stack}.yaml: no such stack (hint: stacks here: {known})")
    config: dict[str, str] = {}
    secrets: list[str] = []

    def put(key: str, value: Any) -> None:
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and "secure" in value:
            config[full] = placeholder(str(value["secure"]))
            secrets.append(full)
        elif isinstance(value, dict) and "default" in value:
            config[full] = _as_string(value["default"])
        elif not isinstance(value, dict) or "type" not in value:
            config[full] = _as_string(value)

    for key, value in (project.get("config") or {}).items():
        put(str(key), value)
    for key, value in (_read_yaml(stack_file).get("config") or {}).items():
        put(str(key), value)
    main = root / str(project.get("main") or ".")
    if main.is_dir():
        main = main / "__main__.py"
    return StackConfig(project=name, stack=stack, project_dir=root, main=main,
                       config=config, secret_keys=tuple(sorted(set(secrets))))
