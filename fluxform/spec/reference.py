"""The key reference of docs/spec.md, generated from the field table.

docs/spec.md holds this text between two marker comments; a test fails when they differ
(FLUXFORM_UPDATE_GOLDEN=1 rewrites the block), so the documentation cannot drift from what
the loader accepts.
"""

from __future__ import annotations

from fluxform.spec.fields import SPEC
from fluxform.spec.kinds import Choice, Dict, Field, Flag, Json, Kind, Obj, Seq, Text, Whole

BEGIN = "<!-- BEGIN GENERATED: fluxform.spec.reference -->"
END = "<!-- END GENERATED -->"
_MAX_INLINE_CHOICES = 8


def _type(kind: Kind) -> str:
    if isinstance(kind, Text):
        text = f"{_noun(kind.what)} (max {kind.max_len})"
        return f"{text}, or a whole number" if kind.numbers else text
    if isinstance(kind, Choice):
        words = [*kind.choices]
        if len(words) > _MAX_INLINE_CHOICES:
            return f"one of {len(words)} values (see *Allowed values*)"
        return " \\| ".join(f"`{w}`" for w in words)
    if isinstance(kind, Flag):
        return "`true` \\| `false`"
    if isinstance(kind, Whole):
        if kind.minimum == kind.maximum:
            return f"`{kind.minimum}`"
        return f"integer {kind.minimum}-{kind.maximum}"
    if isinstance(kind, Seq):
        item = "mappings (keys below)" if isinstance(kind.item, Obj) else _type(kind.item)
        unique = f", unique by `{kind.key}`" if kind.key else (", no repeats" if kind.unique else "")
        return f"list of {item}{unique}"
    if isinstance(kind, Dict):
        return f"mapping of {_noun(kind.key.what)} to {_type(kind.value)}"
    return "mapping of any values" if isinstance(kind, Json) else "mapping (keys below)"


def _noun(what: str) -> str:
    return what.removeprefix("a ").removeprefix("an ")


def _default(spec: Field) -> str:
    if spec.required:
        return "**required**"
    if spec.default is None:
        if isinstance(spec.kind, Obj) and not spec.kind.optional:
            return "defaults below"
        return "unset"
    if isinstance(spec.default, bool):
        return f"`{str(spec.default).lower()}`"
    return f"`{spec.default}`" if spec.default not in ([], {}) else "empty"


def _rows(kind: Obj, prefix: str, seen: dict[int, str]) -> list[str]:
    rows: list[str] = []
    for key, spec in kind.fields.items():
        path = f"{prefix}{key}"
        meaning = spec.doc
        if spec.ref:
            meaning += f" Must name an entry of `{'.'.join(spec.ref)}`."
        if isinstance(spec.kind, Text) and spec.kind.reserved:
            meaning += " Not allowed: " + ", ".join(f"`{r}`" for r in spec.kind.reserved) + "."
        inner = spec.kind.item if isinstance(spec.kind, Seq) else spec.kind
        if isinstance(inner, Obj) and id(inner) in seen:
            meaning += f" Same keys as `{seen[id(inner)]}`."
        rows.append(f"| `{path}` | {_type(spec.kind)} | {_default(spec)} | {meaning} |")
        if isinstance(inner, Obj) and id(inner) not in seen:
            seen[id(inner)] = path
            rows += _rows(inner, f"{path}[]." if isinstance(spec.kind, Seq) else f"{path}.", seen)
    return rows


def _choices(kind: Obj, prefix: str, out: dict[str, tuple[str, ...]]) -> None:
    for key, spec in kind.fields.items():
        inner = spec.kind.item if isinstance(spec.kind, Seq) else spec.kind
        path = f"{prefix}{key}" + ("[]" if isinstance(spec.kind, Seq) else "")
        if isinstance(inner, Choice) and len(inner.choices) > _MAX_INLINE_CHOICES:
            out.setdefault(" ".join(inner.choices), (path,))
        if isinstance(inner, Obj):
            _choices(inner, f"{path}.", out)


def reference() -> str:
    """The markdown block (without markers): one table row per key, then long choice lists."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|", *_rows(SPEC, "", {})]
    long_choices: dict[str, tuple[str, ...]] = {}
    _choices(SPEC, "", long_choices)
    lines += ["", "*Allowed values*", ""]
    for words, (path,) in long_choices.items():
        lines.append(f"- `{path}`: " + ", ".join(f"`{w}`" for w in words.split()))
    return "\n".join(lines) + "\n"


def splice(document: str) -> str:
    """`document` with the text between the markers replaced by the current reference."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{reference()}{END}{tail}"
