"""Load a declarative environment spec (stacks/<env>.yaml) into the frozen model.

Four stages, each able to stop with one SpecError (file, line, field path, reason, hint):
read at most 1 MiB, parse YAML safely with line numbers (loader), check every key and value
against the field table (validate), check names and references across the document
(semantics), and only then build the model (build). Nothing is built from a spec that
has not passed every check, and the same bytes always give an equal Spec.
"""

from __future__ import annotations

import functools
import os

from fluxform.errors import SpecError
from fluxform.spec import build, delivery, overlay, semantics, tenancy, tiers, validate
from fluxform.spec.loader import MAX_BYTES, Document, parse
from fluxform.spec.model import Spec

__all__ = ["Spec", "SpecError", "load_spec", "load_spec_bytes", "load_spec_text"]


def load_spec(path: str | os.PathLike[str], display: str | None = None) -> Spec:
    """Load and validate the spec file at `path`; errors and Spec.source_file name it `display`."""
    name = display if display is not None else os.fspath(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(name, None, "", "no such file",
                        "check the path (fluxform:spec in the stack config)") from None
    except OSError as exc:
        raise SpecError(name, None, "", f"cannot read the file ({exc.strerror or 'error'})",
                        "check that it is a readable file") from None
    return load_spec_bytes(raw, name, os.path.dirname(os.path.abspath(path)))


def load_spec_text(text: str, filename: str = "<spec>") -> Spec:
    """Load and validate spec text; `filename` is what errors and Spec.source_file show."""
    return load_spec_bytes(text.encode("utf-8", "surrogatepass"), filename)


def load_spec_bytes(raw: bytes, filename: str = "<spec>", directory: str | None = None) -> Spec:
    """Load and validate the raw bytes of a spec file.

    The model is deeply frozen, so the same bytes under the same name give the very same Spec
    object: a plan reads the spec once for its checks and once more inside the program it
    captures, and the second read is free. A spec that `extends:` a base (fluxform.spec.overlay,
    resolved from `directory`, default the directory of `filename`) is read afresh each time.
    """
    if overlay.has_extends(raw):
        where = directory if directory is not None else os.path.dirname(os.path.abspath(filename))
        return _check(overlay.resolve(parse(raw, filename), where), filename)
    return _load_cached(raw, filename)


@functools.lru_cache(maxsize=16)
def _load_cached(raw: bytes, filename: str) -> Spec:
    return _check(parse(raw, filename), filename)


def _check(doc: Document, filename: str) -> Spec:
    data = validate.check(doc)
    semantics.check(doc, data)
    tiers.check(doc, data)
    tenancy.check(doc, data)
    delivery.check(doc, data)
    return build.spec(data, filename)
