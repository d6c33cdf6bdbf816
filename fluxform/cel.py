"""A small interpreter of the CEL subset the Flux CRDs' validation rules use.

The rules (`x-kubernetes-validations`) of the vendored CRDs need only `self.a.b`, `has()`,
`size()`, `!`, `&&`, `||`, `==`, `!=`, `<`, `>`, `<=`, `>=`, parentheses and string, integer
and boolean literals. `compile_rule` parses a rule into a small tree (CELUnsupported for
anything outside the subset, so no rule is silently passed); `evaluate` runs it on a value
(NoSuchKey when it reads a field that is not set). fluxform.crds applies the rules to objects.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any


class CELUnsupported(Exception):
    """The rule uses CEL outside the subset this module interprets."""


class NoSuchKey(Exception):
    """CEL evaluation error: a field that is not set was read."""


_TOKEN = re.compile(r"\s*(?:(?P<op>&&|\|\||==|!=|<=|>=|[!()<>.])|(?P<str>'[^'\\]*')"
                    r"|(?P<int>\d+)|(?P<name>[A-Za-z_]\w*))")


def _tokens(rule: str) -> list[str]:
    out: list[str] = []
    pos = 0
    rule = rule.strip()
    while pos < len(rule):
        match = _TOKEN.match(rule, pos)
        if not match or match.end() == pos:
            raise CELUnsupported(f"cannot read {rule[pos:pos + 20]!r}")
        out.append(match.group(match.lastgroup or "op"))
        pos = match.end()
    return out


Node = tuple[Any, ...]


class _Parser:
    def __init__(self, rule: str) -> None:
        self.tokens = _tokens(rule)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise CELUnsupported(f"expected {expected or 'more'}, found {token!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.disjunction()
        if self.peek() is not None:
            raise CELUnsupported(f"unexpected {self.peek()!r}")
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.peek() == "||":
            self.take()
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.unary()
        while self.peek() == "&&":
            self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "!":
            self.take()
            return ("not", self.unary())
        left = self.primary()
        if self.peek() in ("==", "!=", "<", ">", "<=", ">="):
            return ("cmp", self.take(), left, self.primary())
        return left

    def selector(self) -> Node:
        self.take("self")
        path: list[str] = []
        while self.peek() == ".":
            self.take()
            path.append(self.take())
        return ("sel", tuple(path))

    def primary(self) -> Node:
        token = self.peek()
        if token == "(":
            self.take()
            node = self.disjunction()
            self.take(")")
            return node
        if token in ("has", "size"):
            self.take()
            self.take("(")
            node = self.selector()
            self.take(")")
            if token == "has" and not node[1]:
                raise CELUnsupported("has() needs a field")
            return (token, node)
        if token == "self":
            return self.selector()
        if token is not None and token.startswith("'"):
            return ("lit", self.take()[1:-1])
        if token is not None and token.isdigit():
            return ("lit", int(self.take()))
        if token in ("true", "false"):
            return ("lit", self.take() == "true")
        raise CELUnsupported(f"unsupported {token!r}")


@functools.cache
def compile_rule(rule: str) -> Node:
    """The parsed rule; CELUnsupported when it is outside the subset."""
    return _Parser(rule).parse()


def _select(value: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            raise NoSuchKey(name)
        value = value[name]
    return value


def evaluate(node: Node, value: Any) -> Any:
    """The value of the compiled rule `node` with `self` bound to `value`; NoSuchKey when it
    reads a field that is not set (as CEL's no-such-key error)."""
    op = node[0]
    if op == "lit":
        return node[1]
    if op == "sel":
        return _select(value, node[1])
    if op == "has":
        *parent, name = node[1][1]
        holder = _select(value, tuple(parent))
        return isinstance(holder, Mapping) and name in holder
    if op == "size":
        return len(_select(value, node[1][1]))
    if op == "not":
        return not evaluate(node[1], value)
    if op in ("or", "and"):
        # CEL's logical operators commute over errors: `error || true` is true.
        short = op == "or"
        failed: NoSuchKey | None = None
        for side in node[1:]:
            try:
                if bool(evaluate(side, value)) == short:
                    return short
            except NoSuchKey as exc:
                failed = exc
        if failed is not None:
            raise failed
        return not short
    if op == "cmp":
        left, right = evaluate(node[2], value), evaluate(node[3], value)
        compare = {"==": left == right, "!=": left != right}
        if node[1] in compare:
            return compare[node[1]]
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[node[1]]
    raise CELUnsupported(op)  # pragma: no cover - the parser makes no other node
