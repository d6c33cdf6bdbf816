"""The capture cache: a stack's graph is captured again only when something it read changed.

What a capture reads is RECORDED while it runs, not guessed (`recording`):

- every file the capturing thread opens for reading (an audit hook on `open`, which sees
  `open()`, `io.open`, `os.open` and pathlib alike): the spec, every spec it extends, a
  kubeconfig file, Pulumi.yaml and the stack's Pulumi.<stack>.yaml;
- the source file of every module loaded when the capture ends that is not part of an
  installation (the program, components/, fluxform/ itself, anything on the project's path);
- the installed packages, as the list of distributions (name and version: fluxform, the Pulumi
  SDK, the provider SDKs, everything else) of every installation directory, and the Python
  version;
- every environment variable the capturing thread reads (`os.environ` is watched for the
  duration): its value, or that it was unset.

An entry holds those inputs and the graph as one line of compact JSON (`Graph.to_compact_json`,
json's C encoder: the indented `to_json` goes through the pure-Python encoder, which was most
of the cache's cost on a miss); the graph a hit gives back writes `to_json` byte for byte as
the fresh capture does. A lookup
re-reads each recorded input as it is now (file contents by their Git blob id, so a base
revision is checked against `git ls-tree` without extracting it) and returns the graph only
if every one is unchanged; anything else is a miss. A capture that cannot be keyed safely is
not stored: one that read the whole environment, or a set environment variable whose name
says credential (TOKEN, SECRET, PASSWORD, KEY, CREDENTIAL, AUTH): no secret, nor a hash of
one, is ever written to the cache.

Layout: `<dir>/v1/<bucket>/<entry>.json`, one bucket per stack and mode (working tree, base
revision, checks), at most ENTRIES_PER_BUCKET entries each (the least recently used go first), the
whole directory bounded by `max_bytes` (FLUXFORM_CACHE_MAX_MB, default 512) with
least-recently-used eviction. An entry is one file written atomically (temporary file, then
rename): line 1 a JSON header (format, bucket, static key, inputs, graph digest), then the
graph. Its name is the digest of its key, so a damaged, truncated, foreign or renamed entry
fails validation and is ignored with a one-line warning, never trusted.

A lookup costs a `stat` per file input once the process has hashed that file (file_digest
is memoized by path, inode, size and modification time; the content hash decides), and the
loaded modules are classified once per process (and listed again only when a module was
imported or replaced since the last capture). The checks of a plan (spec, CRDs, policy) are
cached the same way (PlanChecks): keyed by the capture's inputs, what the checks read, every
file of the fluxform package (code_digest) and the graph.

Location: `--cache-dir`, else $FLUXFORM_CACHE_DIR, else $XDG_CACHE_HOME/fluxform, else
~/.cache/fluxform (docs/fleet.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
import os
import re
import site
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fluxform.findings import Finding
    from fluxform.graph import Graph
    from fluxform.project import StackConfig

FORMAT = "fluxform.capture-cache/v1"
LAYOUT = "v1"
DEFAULT_MAX_MB = 512
ENTRIES_PER_BUCKET = 8
MAX_HEADER_BYTES = 16 * 1024 * 1024  # an entry header longer than this is damaged
ABSENT = "absent"
UNSET = "unset"
CREDENTIAL_NAME = re.compile(r"TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|(^|_)KEY($|_)|PRIVATE",
                             re.IGNORECASE)
_ENV_SALT = b"fluxform-cache-env-v1\0"


def default_dir() -> Path:
    """$FLUXFORM_CACHE_DIR, else $XDG_CACHE_HOME/fluxform, else ~/.cache/fluxform."""
    explicit = os.environ.get("FLUXFORM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "fluxform"


def max_bytes_from_env() -> int:
    raw = os.environ.get("FLUXFORM_CACHE_MAX_MB", "")
    try:
        megabytes = int(raw) if raw else DEFAULT_MAX_MB
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return max(1, megabytes) * 1024 * 1024


def warn(message: str) -> None:
    print(f"warning: capture cache: {message}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Digests of inputs


def blob_id(data: bytes) -> str:
    """The Git blob id of `data` (what `git hash-object` and `git ls-tree` give)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


_file_memo: dict[tuple[str, int, int, int], str] = {}
_dist_memo: dict[str, str] = {}


def file_digest(path: str | Path) -> str:
    """The blob id of the file at `path`, or ABSENT (no such file, or not a regular file).
    Memoized by (path, inode, size, mtime) for the life of the process."""
    digest = _digest_unless_dir(os.fspath(path))
    return ABSENT if digest is None else digest


def _digest_unless_dir(name: str) -> str | None:
    """file_digest of `name`, but None for a directory (one `stat` tells both)."""
    try:
        st = os.stat(name)
    except OSError:
        return ABSENT
    if stat.S_ISDIR(st.st_mode):
        return None
    if not stat.S_ISREG(st.st_mode):
        return ABSENT
    memo_key = (name, st.st_ino, st.st_size, st.st_mtime_ns)
    digest = _file_memo.get(memo_key)
    if digest is None:
        try:
            with open(name, "rb") as handle:
                digest = blob_id(handle.read())
        except OSError:
            return ABSENT
        _file_memo[memo_key] = digest
    return digest


def env_digest(name: str, value: str | None) -> str:
    if value is None:
        return UNSET
    return "sha256:" + hashlib.sha256(_ENV_SALT + name.encode() + b"\0" + value.encode(
        "utf-8", "surrogateescape")).hexdigest()[:32]


def install_dirs() -> list[str]:
    """Directories whose contents are installations: the standard library (keyed by the
    Python version) and every site-packages (keyed by its list of distributions)."""
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    with contextlib.suppress(AttributeError):
        dirs.update(site.getsitepackages())
    with contextlib.suppress(AttributeError):
        dirs.add(site.getusersitepackages())
    both = {os.path.realpath(d) for d in dirs if d} | {os.path.abspath(d) for d in dirs if d}
    return sorted(both, key=len, reverse=True)


INSTALL_DIRS = install_dirs()
_STDLIB = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("stdlib", "platstdlib")}


def dists_digest(directory: str) -> str:
    """The distributions installed in `directory` (name and version of each `*.dist-info`
    and `*.egg-info`), as a digest; memoized for the life of the process."""
    cached = _dist_memo.get(directory)
    if cached is None:
        try:
            names = sorted(n for n in os.listdir(directory)
                           if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            names = []
        cached = hashlib.sha256("\n".join(names).encode()).hexdigest()[:32]
        _dist_memo[directory] = cached
    return cached


def forget_memo() -> None:
    """Drop what this process remembers of file contents and installed packages."""
    _file_memo.clear()
    _dist_memo.clear()
    _code_memo.clear()
    _modules_seen.clear()


def python_version() -> str:
    return f"{sys.implementation.name}-{sys.version.split()[0]}-{sys.platform}"


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _install_dir_of(path: str) -> str | None:
    for directory in INSTALL_DIRS:
        if _under(path, directory):
            return directory
    return None


# ---------------------------------------------------------------------------------------------
# Recording what a capture reads


@dataclass
class Recording:
    """What one thread read while recording: files opened, environment variables read."""

    thread: int
    opened: set[str] = field(default_factory=set)
    env: dict[str, str | None] = field(default_factory=dict)
    whole_env: bool = False
    credential: str | None = None  # why the capture read a credential (never cached then)


def note_credential(reason: str) -> None:
    """The calling thread's capture is about to read a credential (a kubeconfig file, say):
    if it is being recorded, it is never stored, so no digest of the credential is written."""
    rec = _active.get(threading.get_ident())
    if rec is not None and rec.credential is None:
        rec.credential = reason


_active: dict[int, Recording] = {}
_lock = threading.Lock()
_hook_installed = False
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _active:
        return
    rec = _active.get(threading.get_ident())
    if rec is None:
        return
    path, mode, flags = (*args, None, None, None)[:3]
    if isinstance(mode, str):
        if any(c in mode for c in "wax+"):
            return
    elif isinstance(flags, int) and flags & _WRITE_FLAGS:
        return
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if isinstance(path, str):
        rec.opened.add(os.path.abspath(path))


class _RecordingEnviron(os._Environ):  # type: ignore[type-arg]
    """os.environ while a recording is active: reads by a recording thread are noted."""

    def __getitem__(self, key: str) -> str:
        rec = _active.get(threading.get_ident())
        try:
            value: str = super().__getitem__(key)
        except KeyError:
            if rec is not None and isinstance(key, str):
                rec.env.setdefault(key, None)
            raise
        if rec is not None and isinstance(key, str):
            rec.env.setdefault(key, value)
        return value

    def __iter__(self) -> Iterator[str]:
        rec = _active.get(threading.get_ident())
        if rec is not None:
            rec.whole_env = True
        return super().__iter__()

    def __len__(self) -> int:
        rec = _active.get(threading.get_ident())
        if rec is not None:
            rec.whole_env = True
        return super().__len__()


_ORIGINAL_ENVIRON_CLASS = type(os.environ)


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Record what the calling thread reads (files, environment) until the block ends."""
    global _hook_installed
    rec = Recording(threading.get_ident())
    with _lock:
        if not _hook_installed:
            sys.addaudithook(_audit)
            _hook_installed = True
        if rec.thread in _active:
            raise RuntimeError("a capture is already being recorded on this thread")
        _active[rec.thread] = rec
        if type(os.environ) is _ORIGINAL_ENVIRON_CLASS:
            os.environ.__class__ = _RecordingEnviron
    try:
        yield rec
    finally:
        with _lock:
            _active.pop(rec.thread, None)
            if not _active:
                os.environ.__class__ = _ORIGINAL_ENVIRON_CLASS


_module_memo: dict[str, tuple[str | None, str]] = {}
_modules_seen: list[tuple[dict[str, Any], frozenset[str], frozenset[str]]] = []


def _module_inputs() -> tuple[frozenset[str], frozenset[str]]:
    """What the loaded modules make inputs: (the real path of every module file not part of
    an installation, every installation directory a module comes from). Each file is
    classified once per process (a loaded module's file name does not change, and resolving
    ~800 of them on every capture was most of the cache's cost on a miss); when the loaded
    modules are the very ones of the last call (the same names bound to the same module
    objects, compared by identity in C), that call's answer is reused."""
    loaded = dict(sys.modules)
    if _modules_seen:
        seen, files, dists = _modules_seen[0]
        if len(seen) == len(loaded) and all(map(operator.is_, map(seen.get, loaded),
                                                loaded.values())):
            return files, dists
    file_set: set[str] = set()
    dist_set: set[str] = set()
    for module in loaded.values():
        name = getattr(module, "__file__", None)
        if not isinstance(name, str) or not name:
            continue
        info = _module_memo.get(name)
        if info is None:
            path = os.path.abspath(name)
            info = _module_memo[name] = _classify(path)
        directory, real = info
        if real:
            file_set.add(real)
        elif directory is not None:
            dist_set.add(directory)
    answer = (frozenset(file_set), frozenset(dist_set))
    _modules_seen[:] = [(loaded, *answer)]
    return answer


def _classify(path: str) -> tuple[str | None, str]:
    """(the installation directory holding `path`, by name or real path; None if none, or
    the standard library), and the real path of `path`."""
    directory = _install_dir_of(path)
    if directory is None:
        real = os.path.realpath(path)
        directory = _install_dir_of(real)
    else:
        real = path
    if directory is not None:
        real_dir = _install_dir_real.get(directory)
        if real_dir is None:  # a handful of directories: resolved once per process
            real_dir = _install_dir_real[directory] = os.path.realpath(directory)
        return (None if real_dir in _STDLIB else real_dir), ""
    return None, real


_install_dir_real: dict[str, str] = {}


def _skip_opened(path: str) -> bool:
    return (path.startswith(("/proc/", "/dev/", "/sys/")) or "__pycache__" in path
            or path.endswith((".pyc", ".pth")))


_names: dict[tuple[Roots, str], str] = {}
"""Roots.name of each (roots, path) seen: a pure function of the two, kept for the process."""


@dataclass(frozen=True)
class Roots:
    """How recorded paths are named: `label:relative/path` under a root (the first that
    holds the path), else `abs:/path`. `fallbacks` maps a directory whose modules a root
    may shadow to that root: for such a module, the path it would have in the root is
    recorded as absent (it was, or the root's copy would have been loaded)."""

    roots: tuple[tuple[str, str], ...]
    fallbacks: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, roots: Mapping[str, str | Path],
           fallbacks: Mapping[str | Path, str] | None = None) -> Roots:
        return cls(tuple((label, os.path.realpath(p)) for label, p in roots.items()),
                   tuple((os.path.realpath(d), label) for d, label in (fallbacks or {}).items()))

    def name(self, path: str) -> str:
        key = (self, path)
        found = _names.get(key)
        if found is None:
            found = _names[key] = self._name(path)
        return found

    def _name(self, path: str) -> str:
        for label, root in self.roots:
            if _under(path, root):
                return f"{label}:{os.path.relpath(path, root)}"
        return f"abs:{path}"

    def path(self, name: str) -> str | None:
        label, _, rest = name.partition(":")
        if label == "abs":
            return rest
        for root_label, root in self.roots:
            if root_label == label:
                return os.path.join(root, rest)
        return None


def inputs_of(rec: Recording, roots: Roots, extra_files: Sequence[str | Path] = ()
              ) -> dict[str, str] | str:
    """The recorded inputs of a finished recording, digested, or why it cannot be cached.

    Keys: `file:<name>` (blob id or ABSENT), `env:<VAR>`, `dists:<dir>`, `python`.
    """
    if rec.whole_env:
        return "the program read the whole environment"
    if rec.credential:
        return rec.credential
    for var, value in sorted(rec.env.items()):
        if value and CREDENTIAL_NAME.search(var):
            return f"the program read the credential-like environment variable {var}"
    inputs: dict[str, str] = {"python": python_version()}
    module_files, module_dists = _module_inputs()
    dists: set[str] = set(module_dists)
    files: set[str] = set(module_files)
    opened = {p for p in rec.opened if not _skip_opened(p)}
    opened.update(os.path.abspath(os.fspath(p)) for p in extra_files)
    for path in opened:  # few: resolved afresh on every capture (a link may have moved)
        directory, real = _classify(path)
        if real:
            files.add(real)
        elif directory is not None:
            dists.add(directory)
    for path in sorted(files):
        digest = _digest_unless_dir(path)
        if digest is None:
            continue
        name = roots.name(path)
        inputs[f"file:{name}"] = digest
        for fallback_dir, label in roots.fallbacks:
            if _under(path, fallback_dir) and name.startswith("abs:"):
                shadow = f"file:{label}:{os.path.relpath(path, fallback_dir)}"
                root = roots.path(shadow[5:])
                if root is not None and not os.path.exists(root):
                    inputs[shadow] = ABSENT
    for directory in sorted(dists):
        inputs[f"dists:{directory}"] = dists_digest(directory)
    for var, value in sorted(rec.env.items()):
        inputs[f"env:{var}"] = env_digest(var, value)
    return inputs


def current_value(key: str, roots: Roots, tree: Callable[[str], str] | None = None,
                  env: Mapping[str, str] | None = None) -> str:
    """What input `key` is now (see inputs_of); `tree` answers for `tree:` paths, `env`
    (default: os.environ) for environment variables."""
    if key == "python":
        return python_version()
    kind, _, name = key.partition(":")
    if kind == "env":
        return env_digest(name, (os.environ if env is None else env).get(name))
    if kind == "dists":
        return dists_digest(name)
    if kind == "file":
        if tree is not None and name.startswith("tree:"):
            return tree(name[5:])
        path = roots.path(name)
        return file_digest(path) if path is not None else "?"
    return "?"


# ---------------------------------------------------------------------------------------------
# The store


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def bucket_of(mode: str, stack: str) -> str:
    return hashlib.sha256(f"{mode}\0{stack}".encode()).hexdigest()[:24]


def entry_name(bucket: str, static: Mapping[str, Any], inputs: Mapping[str, str]) -> str:
    key = _canonical({"bucket": bucket, "static": static, "inputs": inputs})
    return hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass
class CaptureCache:
    """A capture cache directory (see the module docstring)."""

    root: Path
    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024
    _warned: set[str] = field(default_factory=set)

    @property
    def entries_dir(self) -> Path:
        return self.root / LAYOUT

    def _warn_once(self, path: Path, reason: str) -> None:
        if str(path) not in self._warned:
            self._warned.add(str(path))
            warn(f"{path}: ignored ({reason})")

    def _bucket_dir(self, bucket: str) -> Path | None:
        """The bucket's directory, or None (with a warning) when it or the entries directory
        is a symbolic link: the cache never reads, writes or trims through a link."""
        directory = self.entries_dir / bucket
        for part in (self.entries_dir, directory):
            if part.is_symlink():
                self._warn_once(part, "a symbolic link inside the cache")
                return None
        return directory

    def _read(self, path: Path, bucket: str, static: Mapping[str, Any]
              ) -> tuple[dict[str, str], str] | None:
        """(inputs, graph text) of a valid entry, None for an entry of another key (a
        different static part); damaged and foreign entries warn and return None."""
        try:
            with open(path, "rb") as handle:
                head = handle.readline(MAX_HEADER_BYTES)
                header = json.loads(head)
                if not isinstance(header, dict) or header.get("format") != FORMAT:
                    self._warn_once(path, "not a fluxform capture cache entry")
                    return None
                if header.get("bucket") != bucket:
                    self._warn_once(path, "foreign entry: it belongs to another stack")
                    return None
                inputs = header.get("inputs")
                if (not isinstance(inputs, dict)
                        or not all(isinstance(k, str) and isinstance(v, str)
                                   for k, v in inputs.items())):
                    self._warn_once(path, "damaged header")
                    return None
                if path.stem != entry_name(bucket, header.get("static") or {}, inputs):
                    self._warn_once(path, "its name does not match its key (damaged or foreign)")
                    return None
                if header.get("static") != static:
                    return None
                body = handle.read()
        except (OSError, ValueError, RecursionError) as exc:
            self._warn_once(path, f"unreadable: {type(exc).__name__}")
            return None
        if hashlib.sha256(body).hexdigest() != header.get("graph_sha256"):
            self._warn_once(path, "the graph does not match its digest (damaged)")
            return None
        try:
            return inputs, body.decode("utf-8")
        except UnicodeDecodeError:
            self._warn_once(path, "the graph is not UTF-8 (damaged)")
            return None

    def lookup(self, bucket: str, static: Mapping[str, Any],
               current: Callable[[str], str]) -> tuple[str, dict[str, str]] | None:
        """The graph text and inputs of an entry of `bucket` with this static key whose every
        recorded input is what `current` says it is now; None on a miss."""
        directory = self._bucket_dir(bucket)
        if directory is None:
            return None
        try:
            candidates = sorted(directory.glob("*.json"), key=_mtime, reverse=True)
        except OSError:
            return None
        for path in candidates:
            found = self._read(path, bucket, static)
            if found is None:
                continue
            inputs, text = found
            if all(current(key) == value for key, value in inputs.items()):
                with contextlib.suppress(OSError):
                    os.utime(path)  # recently used: evicted last
                return text, inputs
        return None

    def store(self, bucket: str, static: Mapping[str, Any], inputs: Mapping[str, str],
              graph_text: str) -> None:
        """Write an entry atomically; a failure to write only warns (the plan goes on)."""
        body = graph_text.encode("utf-8")
        header = {"format": FORMAT, "bucket": bucket, "static": static, "inputs": dict(inputs),
                  "graph_sha256": hashlib.sha256(body).hexdigest()}
        directory = self.entries_dir / bucket
        target = directory / f"{entry_name(bucket, static, inputs)}.json"
        tmp = ""
        try:
            try:
                directory.mkdir()
                created = True  # this store made the bucket: nothing in it to evict
            except FileExistsError:
                created = False
            except FileNotFoundError:
                directory.mkdir(parents=True, exist_ok=True)
                created = True
            if self._bucket_dir(bucket) is None:
                return
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
            with os.fdopen(fd, "wb") as handle:
                handle.write(_canonical(header).encode() + b"\n" + body)
            os.replace(tmp, target)
            tmp = ""
            if not created:
                entries = sorted(directory.glob("*.json"), key=_mtime, reverse=True)
                for old in entries[ENTRIES_PER_BUCKET:]:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            warn(f"{directory}: cannot write ({exc.strerror or type(exc).__name__}); "
                 "the plan goes on without caching")
        finally:
            if tmp:
                Path(tmp).unlink(missing_ok=True)

    def entries(self, bucket: str) -> list[Path]:
        return sorted((self.entries_dir / bucket).glob("*.json"), key=_mtime, reverse=True)

    def prune(self) -> int:
        """Evict the least recently used entries until the directory is within max_bytes;
        stale temporary files go too. Returns how many files were removed."""
        files: list[tuple[float, int, Path]] = []
        removed = 0
        try:
            buckets = [b for b in self.entries_dir.iterdir() if b.is_dir() and not b.is_symlink()]
            for path in (p for b in buckets for p in b.iterdir() if not p.is_symlink()):
                try:
                    st = path.stat()
                except OSError:
                    continue
                if path.name.startswith(".tmp-"):
                    import time
                    if time.time() - st.st_mtime > 3600:
                        path.unlink(missing_ok=True)
                        removed += 1
                    continue
                files.append((st.st_mtime, st.st_size, path))
        except OSError:
            return removed
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files, key=lambda f: (f[0], str(f[2]))):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
            total -= size
        return removed


def _mtime(path: Path) -> tuple[float, str]:
    try:
        return (path.stat().st_mtime, path.name)
    except OSError:
        return (0.0, path.name)


def open_cache(directory: str | Path | None) -> CaptureCache:
    return CaptureCache(Path(directory) if directory else default_dir(),
                        max_bytes=max_bytes_from_env())


# ---------------------------------------------------------------------------------------------
# Captures of the working tree (fluxform plan) through the cache


def _head_static(config: StackConfig) -> dict[str, Any]:
    return {"mode": "head", "project": config.project, "stack": config.stack,
            "main": os.path.relpath(config.main, config.project_dir),
            "config": dict(sorted(config.config.items())),
            "secret_keys": list(config.secret_keys)}


def _config_files(config: StackConfig) -> list[str | Path]:
    files: list[str | Path] = [Path(config.project_dir) / "Pulumi.yaml"]
    if config.stack_file:
        files.append(Path(config.project_dir) / config.stack_file)
    return files


def lookup_head(cache: CaptureCache, config: StackConfig) -> tuple[Graph, dict[str, str]] | None:
    """The cached graph of `config`'s stack as the working tree declares it, and its inputs."""
    found = _lookup_head(cache, config)
    return None if found is None else (found[0], found[1])


def _lookup_head(cache: CaptureCache, config: StackConfig
                 ) -> tuple[Graph, dict[str, str], str] | None:
    from fluxform.errors import PlanError
    from fluxform.graph import Graph

    roots = Roots.of({"project": config.project_dir})
    bucket = bucket_of("head", config.stack)
    found = cache.lookup(bucket, _head_static(config), lambda k: current_value(k, roots))
    if found is None:
        return None
    text, inputs = found
    try:
        graph = Graph.from_json(text, source="capture cache")
    except PlanError:
        warn(f"an entry of stack {config.stack!r} holds no valid graph (damaged); captured anew")
        return None
    if (graph.project, graph.stack) != (config.project, config.stack):
        warn(f"an entry of stack {config.stack!r} holds another stack's graph (foreign); "
             "captured anew")
        return None
    return graph, inputs, text


def capture_cached(config: StackConfig, cache: CaptureCache | None,
                   capture: Callable[[StackConfig], Graph]) -> tuple[Graph, str]:
    """`capture(config)`, or the cached graph when nothing the last capture read changed.

    Returns the graph and the cache status: `hit`, `miss` (captured and stored), `off`, or
    `not cached (reason)`.
    """
    if cache is None:
        return capture(config), "off"
    found = lookup_head(cache, config)
    if found is not None:
        return found[0], "hit"
    graph, inputs = capture_recorded(config, cache, capture)
    return graph, f"not cached ({inputs})" if isinstance(inputs, str) else "miss"


def capture_recorded(config: StackConfig, cache: CaptureCache,
                     capture: Callable[[StackConfig], Graph]) -> tuple[Graph, dict[str, str] | str]:
    """Capture while recording, store the entry; the graph and its inputs (or why it was
    not stored)."""
    graph, inputs, _text = _capture_recorded(config, cache, capture)
    return graph, inputs


def _capture_recorded(config: StackConfig, cache: CaptureCache,
                      capture: Callable[[StackConfig], Graph]
                      ) -> tuple[Graph, dict[str, str] | str, str]:
    with recording() as rec:
        graph = capture(config)
    inputs = inputs_of(rec, Roots.of({"project": config.project_dir}), _config_files(config))
    text = ""
    if not isinstance(inputs, str):
        text = graph.to_compact_json()
        cache.store(bucket_of("head", config.stack), _head_static(config), inputs, text)
    return graph, inputs, text


# ---------------------------------------------------------------------------------------------
# The checks of a plan (spec, Flux CRDs, policy) through the cache

_code_memo: dict[str, str] = {}


def code_digest() -> str:
    """Every file of the running fluxform package, code and data (the spec loader, the
    vendored Flux CRDs, the policy rules), as one digest: what a plan's checks run on besides
    the spec and the graph. Computed once per process (the code that runs is the code loaded)."""
    import fluxform

    root = os.path.realpath(os.path.dirname(fluxform.__file__))
    digest = _code_memo.get(root)
    if digest is None:
        lines = []
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if not name.endswith((".pyc", ".pyo")):
                    path = os.path.join(directory, name)
                    lines.append(f"{os.path.relpath(path, root)}\0{file_digest(path)}")
        digest = _code_memo[root] = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]
    return digest


def _checks_static(config: StackConfig, graph_text: str) -> dict[str, Any]:
    return {**_head_static(config), "mode": "checks",
            "graph_sha256": hashlib.sha256(graph_text.encode("utf-8")).hexdigest()}


def _checks_current(config: StackConfig) -> Callable[[str], str]:
    roots = Roots.of({"project": config.project_dir})
    return lambda k: code_digest() if k == "code:fluxform" else current_value(k, roots)


class PlanChecks:
    """One stack's head capture and checks (spec load, CRD check, policy findings) through
    the cache. The checks are a function of the spec files (inputs of the capture, and
    recorded again while they run), the graph and fluxform's own files; an entry keyed by all
    of them (`checks` bucket) holds the findings. When the capture and the checks are both
    served from the cache, the plan neither loads the spec nor evaluates the policy. With
    `cache` None everything runs, nothing is recorded."""

    def __init__(self, cache: CaptureCache | None, config: StackConfig, checked: bool) -> None:
        self.cache, self.config, self.checked = cache, config, checked
        self.findings: list[Finding] | None = None
        """The cached findings (the checks passed with them), or None: run the checks."""
        self._recordings: list[Recording] = []
        self._head = _lookup_head(cache, config) if cache is not None else None
        self._inputs: dict[str, str] | None = None
        self._text = ""
        if cache is not None and checked and self._head is not None:
            self.findings = self._lookup(cache, self._head[2])

    def _lookup(self, cache: CaptureCache, graph_text: str) -> list[Finding] | None:
        from fluxform.findings import Finding

        found = cache.lookup(bucket_of("checks", self.config.stack),
                             _checks_static(self.config, graph_text),
                             _checks_current(self.config))
        if found is None:
            return None
        try:
            rows = json.loads(found[0])
            findings = [Finding(*row) for row in rows]
            if not all(len(row) == 5 and all(isinstance(x, str) for x in row)
                       and row[1] in ("error", "warning") for row in rows):
                raise ValueError
        except (ValueError, TypeError):
            warn(f"a checks entry of stack {self.config.stack!r} is damaged; checked anew")
            return None
        return findings

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Record what the checks in this block read (only when they will be stored)."""
        if self.cache is None or self.findings is not None or not self.checked:
            yield
            return
        with recording() as rec:
            self._recordings.append(rec)
            yield

    def capture(self, capture: Callable[[StackConfig], Graph]) -> tuple[Graph, str]:
        """The graph (as capture_cached) and its cache status."""
        if self.cache is None:
            return capture(self.config), "off"
        if self._head is not None:
            graph, self._inputs, self._text = self._head
            return graph, "hit"
        graph, inputs, self._text = _capture_recorded(self.config, self.cache, capture)
        if isinstance(inputs, str):
            return graph, f"not cached ({inputs})"
        self._inputs = inputs
        return graph, "miss"

    def store(self, findings: Sequence[Finding]) -> None:
        """Keep the findings of checks that ran, keyed by everything they and the capture read."""
        if (self.cache is None or self.findings is not None or not self.checked
                or self._inputs is None or not self._recordings):
            return
        roots = Roots.of({"project": self.config.project_dir})
        merged = {**self._inputs, "code:fluxform": code_digest()}
        # The recordings (spec load, then the checks) as one: their inputs are digested once.
        both = Recording(self._recordings[0].thread)
        for rec in self._recordings:
            both.whole_env = both.whole_env or rec.whole_env
            both.credential = both.credential or rec.credential
            both.opened |= rec.opened
            for var, value in rec.env.items():
                if both.env.setdefault(var, value) != value:
                    return  # the environment changed while the plan ran
        read = inputs_of(both, roots)
        if isinstance(read, str):
            return
        if any(merged.get(k, v) != v for k, v in read.items()):
            return  # a file changed while the plan ran: nothing to key it by
        merged.update(read)
        rows = [[f.rule_id, f.severity, f.subject, f.message, f.hint] for f in findings]
        self.cache.store(bucket_of("checks", self.config.stack),
                         _checks_static(self.config, self._text), merged,
                         json.dumps(rows, separators=(",", ":")) + "\n")


# ---------------------------------------------------------------------------------------------
# Captures of a base revision (--base-ref) through the cache

_listings: dict[tuple[str, str], dict[str, str]] = {}


def ls_tree(top: Path, commit: str) -> dict[str, str]:
    """Path -> object id of every file of `commit` (`git ls-tree -r`), memoized."""
    key = (str(top), commit)
    listing = _listings.get(key)
    if listing is None:
        proc = subprocess.run(["git", "-C", str(top), "ls-tree", "-r", "-z", "--full-tree", commit],
                              capture_output=True, check=False, timeout=600)
        listing = {}
        if proc.returncode == 0:
            for line in proc.stdout.split(b"\0"):
                meta, _, path = line.partition(b"\t")
                parts = meta.split()
                if len(parts) == 3:
                    kind, oid = parts[1].decode(), parts[2].decode()
                    listing[os.fsdecode(path)] = oid if kind == "blob" else f"{kind}:{oid}"
        _listings[key] = listing
    return listing


def _base_static(rel: Path, stack: str) -> dict[str, Any]:
    return {"mode": "base", "stack": stack, "project": rel.as_posix()}


def lookup_base(cache: CaptureCache, top: Path, commit: str, rel: Path, stack: str,
                env: Mapping[str, str]) -> str | None:
    """The cached graph text of `stack` at `commit` (project at `rel` in the repository),
    checked against the commit's listing without extracting it; `env` is the environment
    the base capture runs with."""
    listing = ls_tree(top, commit)
    roots = Roots.of({})
    found = cache.lookup(bucket_of("base", stack), _base_static(rel, stack),
                         lambda k: current_value(k, roots, lambda p: listing.get(p, ABSENT), env))
    return None if found is None else found[0]


def store_base(cache: CaptureCache, rel: Path, stack: str, record: Path, graph_text: str) -> str:
    """Store a base capture whose driver wrote its inputs to `record`; the cache status."""
    try:
        doc = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "not cached (the capture driver recorded no inputs)"
    inputs = doc.get("inputs") if isinstance(doc, dict) else None
    if not isinstance(inputs, dict):
        reason = doc.get("uncacheable") if isinstance(doc, dict) else None
        return f"not cached ({reason or 'no inputs recorded'})"
    cache.store(bucket_of("base", stack), _base_static(rel, stack), inputs, graph_text)
    return "miss"


def record_driver_capture(shadow: Path | None, driver_root: Path, record: Path,
                          capture: Callable[[], Graph]) -> Graph:
    """Run the base capture driver's `capture()` while recording; write its inputs (paths
    under `shadow` named `tree:`) or why they cannot be cached to `record`."""
    with recording() as rec:
        graph = capture()
    roots = (Roots.of({"tree": shadow}, {driver_root: "tree"}) if shadow is not None
             else Roots.of({}))
    inputs = inputs_of(rec, roots)
    doc = {"uncacheable": inputs} if isinstance(inputs, str) else {"inputs": inputs}
    record.write_text(json.dumps(doc, sort_keys=True), encoding="utf-8")
    return graph
