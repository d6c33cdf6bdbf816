"""The Pulumi project on disk: Pulumi.yaml, its stacks and their config, read as Pulumi does.

Config values stored `secure:` are never decrypted (the plan runs without the passphrase or
the KMS key): each gets a placeholder derived from its ciphertext, so a changed secret still
shows as changed, and its key is marked secret. Plain values become strings the way Pulumi
stores them (non-string YAML values JSON-encoded); keys without a namespace get the project
name; the project's own `config:` block supplies defaults.

Both files are read by the spec's YAML reader (fluxform.spec.loader.parse_yaml), so they get
the spec's guarantees: at most 1 MiB, UTF-8, no anchors, aliases or custom tags, nesting of
at most 32 levels, plain decimal numbers only; every problem is one `FILE:LINE: key: reason`.

The reader is bound when this module loads: the `--base-ref` driver (fluxform.stackrun)
imports this module from the current tree, so the stack config is read by the current
reader, and then drops every other fluxform module, so the other revision's program still
runs that revision's own spec loader.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fluxform.errors import ConfigError, SpecError
from fluxform.spec.loader import MAX_BYTES, parse_yaml

if TYPE_CHECKING:
    from fluxform.spec import Spec

PLACEHOLDER_PREFIX = "fluxform-secret-placeholder-"
STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Keys of a project-level config declaration (`key: {type: string, default: ...}`).
DECLARATION_KEYS = frozenset({"type", "description", "default", "value", "secret", "items"})


@dataclass(frozen=True)
class StackConfig:
    """One stack, ready to capture: the flat config (`namespace:key` -> string) and the keys
    whose values are placeholders for secrets. `main` is Pulumi.yaml's `main` (a directory
    with `__main__.py`, or a file)."""

    project: str
    stack: str
    project_dir: Path
    main: Path
    config: dict[str, str]
    secret_keys: tuple[str, ...]
    stack_file: str = ""

    @property
    def spec_path(self) -> Path:
        value = self.config.get("fluxform:spec")
        if not value:
            raise ConfigError(f"{self.stack_file or self.stack}: fluxform:spec is not set "
                              "(hint: pulumi config set fluxform:spec stacks/<env>.yaml)")
        return self.project_dir / value

    @property
    def spec_label(self) -> str:
        """The spec path as errors and rendered headers show it (relative to the project)."""
        path = self.spec_path
        try:
            return str(path.relative_to(self.project_dir))
        except ValueError:  # an absolute path elsewhere: show it as configured
            return str(path)

    def load_spec(self) -> Spec:
        from fluxform.spec import load_spec

        return load_spec(self.spec_path, display=self.spec_label)

    def load_checked_spec(self) -> Spec:
        """The spec, with every Flux object it makes checked against the CRDs of the Flux
        its pinned chart installs (one line per problem), before anything is captured."""
        from fluxform.crds import check_spec

        spec = self.load_spec()
        check_spec(spec, self.spec_path)
        return spec


def placeholder(ciphertext: str) -> str:
    """The stand-in value of a `secure:` config value: deterministic, and no secret in it."""
    digest = hashlib.sha256(ciphertext.encode()).hexdigest()[:12]
    return f"{PLACEHOLDER_PREFIX}{digest}"


def find_project(start: str | Path = ".") -> Path:
    """The nearest directory holding Pulumi.yaml, from `start` upward."""
    here = Path(start).resolve()
    if not here.exists():
        raise ConfigError(f"{start}: no such directory (hint: pass --project DIR)")
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    raise ConfigError(f"no Pulumi.yaml in {here} or its parents (hint: pass --project DIR)")


Lines = dict[tuple[str | int, ...], int]


def _read_yaml(path: Path, label: str, lines: Lines | None = None) -> dict[str, Any]:
    """The top mapping of a YAML file ({} when empty); `lines` receives the line of each key."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{label}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read ({exc.strerror})") from None
    try:
        data, where = parse_yaml(raw, label)
    except SpecError as exc:  # same words, as a config error
        raise ConfigError(str(exc)) from None
    if lines is not None:
        lines.update(where)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{label}:{where.get((), 1)}: expected a mapping at the top "
                          "(hint: see Pulumi.dev.yaml)")
    return data


def _section(doc: dict[str, Any], key: str, label: str, lines: Lines | None = None) -> dict[Any, Any]:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        where = f"{label}:{lines[(key,)]}" if lines and (key,) in lines else label
        raise ConfigError(f"{where}: {key}: must be a mapping of config keys to values")
    return value


@dataclass(frozen=True)
class _Project:
    name: str
    main: Path
    stack_dir: Path
    config: dict[Any, Any]
    config_lines: dict[Any, int]
    """Line of each key of `config` in Pulumi.yaml."""


def _project(root: Path) -> _Project:
    lines: Lines = {}
    doc = _read_yaml(root / "Pulumi.yaml", "Pulumi.yaml", lines)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError("Pulumi.yaml: 'name' is missing or not a string (hint: name: fluxform)")
    main = doc.get("main") or "."
    stack_dir = doc.get("stackConfigDir") or "."
    if not isinstance(main, str) or not isinstance(stack_dir, str):
        raise ConfigError("Pulumi.yaml: 'main' and 'stackConfigDir' must be strings")
    return _Project(name=name, main=root / main, stack_dir=root / stack_dir,
                    config=_section(doc, "config", "Pulumi.yaml", lines),
                    config_lines={p[1]: n for p, n in lines.items() if len(p) == 2 and p[0] == "config"})


def project_name(project_dir: Path) -> str:
    """The `name` of the project's Pulumi.yaml."""
    return _project(Path(project_dir).resolve()).name


def list_stacks(project_dir: Path) -> list[str]:
    """Every stack with a Pulumi.<stack>.yaml (in `stackConfigDir` when Pulumi.yaml sets it)."""
    stack_dir = _project(Path(project_dir).resolve()).stack_dir
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stack_dir.glob("Pulumi.?*.yaml"))


def _secure(value: Any) -> str | None:
    """The ciphertext of a `{secure: ...}` value, or None when `value` is not one."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        cipher = value["secure"]
        return cipher if isinstance(cipher, str) else ""
    return None


def _redacted(value: Any) -> tuple[Any, bool]:
    """`value` with every nested `secure:` replaced by its placeholder; True if there was one."""
    cipher = _secure(value)
    if cipher is not None:
        return placeholder(cipher), True
    if isinstance(value, dict):
        pairs = [(k, _redacted(v)) for k, v in value.items()]
        return {k: v for k, (v, _) in pairs}, any(s for _, (_, s) in pairs)
    if isinstance(value, list):
        items = [_redacted(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_string(value: Any, where: str = "") -> str:
    """How Pulumi stores a config value: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:  # .inf / .nan: not JSON
        raise ConfigError(f"{where}: not a finite number (hint: quote it if you mean the "
                          "text)") from None


def _full_key(key: Any, project: str, label: str) -> str:
    if not isinstance(key, str) or not key or key.count(":") > 1:
        raise ConfigError(f"{label}: config key {str(key)[:60]!r} is not 'name' or "
                          "'namespace:name' (hint: write it as namespace:name)")
    return key if ":" in key else f"{project}:{key}"


def _stack_name(stack: str) -> str:
    """`org/project/dev` or `dev` -> `dev`; refuses names that are not a file name."""
    parts = stack.split("/")
    short = parts[-1]
    if len(parts) > 3 or not all(STACK_NAME.fullmatch(p) for p in parts):
        raise ConfigError(f"stack name {stack[:60]!r} is not valid "
                          "(hint: letters, digits, '-', '_' and '.')")
    return short


def load_stack(project_dir: str | Path, stack: str) -> StackConfig:
    """Read the config of `stack` exactly as the Pulumi CLI hands it to the program,
    except that secure values are placeholders (see the module docstring)."""
    root = Path(project_dir).resolve()
    project = _project(root)
    name = _stack_name(stack)
    stack_path = project.stack_dir / f"Pulumi.{name}.yaml"
    label = str(stack_path.relative_to(root)) if stack_path.is_relative_to(root) else str(stack_path)
    if not stack_path.is_file():
        known = ", ".join(list_stacks(root)) or "none"
        raise ConfigError(f"{label}: no such stack (hint: stacks here: {known})")
    config: dict[str, str] = {}
    secrets: set[str] = set()
    declared_secret: set[str] = set()
    required: dict[str, int] = {}  # declared with neither a value nor a default -> its line
    for key, value in project.config.items():
        full = _full_key(key, project.name, "Pulumi.yaml")
        if isinstance(value, dict) and value and set(value) <= DECLARATION_KEYS:
            if value.get("secret") is True:
                declared_secret.add(full)
            value = value.get("value", value.get("default"))
            if value is None:
                required[full] = project.config_lines.get(key, 1)
                continue
        config[full] = _as_string(value)
    plain_keys: set[str] = set()
    lines: Lines = {}
    line_of: dict[str, int] = {}
    for key, value in _section(_read_yaml(stack_path, label, lines), "config", label, lines).items():
        where = f"{label}:{lines.get(('config', key), 1)}"
        full = _full_key(key, project.name, where)
        line_of[full] = lines.get(("config", key), 1)
        plain, secret = _redacted(value)
        config[full] = _as_string(plain, f"{where}: {full}")
        (secrets if secret else plain_keys).add(full)
    missing = sorted(set(required) - config.keys())
    if missing:
        # pulumi/pulumi pkg/workspace/config.go, ValidateStackConfigAndApplyProjectConfig: a
        # key the project declares without a value or default must be set on every stack, or
        # `pulumi preview`/`up` stop with "Stack '<name>' is missing configuration value".
        raise ConfigError(f"Pulumi.yaml:{required[missing[0]]}: {missing[0]}: declared without a "
                          f"default but not set in {label}, so `pulumi up` refuses this stack "
                          f"(hint: pulumi config set {missing[0]} ..., or give the declaration a "
                          "default)")
    for full in sorted(declared_secret & plain_keys):
        raise ConfigError(f"{label}:{line_of[full]}: {full}: declared secret in Pulumi.yaml but "
                          f"stored in plain text (hint: pulumi config set --secret {full} ...)")
    main = project.main
    if main.is_dir():
        if not (main / "__main__.py").is_file():
            raise ConfigError(f"Pulumi.yaml: main: {os.path.relpath(main, root)}/ has no __main__.py")
    elif not main.is_file():
        raise ConfigError(f"Pulumi.yaml: main: {main.name} does not exist")
    return StackConfig(project=project.name, stack=name, project_dir=root, main=main,
                       config=config, secret_keys=tuple(sorted(secrets)), stack_file=label)
