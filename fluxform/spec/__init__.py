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
from fluxform.spec import build, semantics, validate
from fluxform.spec.loader import MAX_BYTES, parse
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
    return load_spec_bytes(raw, name)


def load_spec_text(text: str, filename: str = "<spec>") -> Spec:
    """Load and validate spec text; `filename` is what errors and Spec.source_file show."""
    return load_spec_bytes(text.encode("utf-8", "surrogatepass"), filename)


def load_spec_bytes(raw: bytes, filename: str = "<spec>") -> Spec:
    """Load and validate the raw bytes of a spec file.

    The model is deeply frozen, so the same bytes under the same name give the very same Spec
    object: a plan reads the spec once for its checks and once more inside the program it
    captures, and the second read is free.
    """
    return _load_cached(raw, filename)


@functools.lru_cache(maxsize=16)
def _load_cached(raw: bytes, filename: str) -> Spec:
    doc = parse(raw, filename)
    data = validate.check(doc)
    semantics.check(doc, data)
    return build.spec(data, filename)
