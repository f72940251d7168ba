"""The small language of a lesson's conditions: ``now.degree >= 2``, ``now.gap < start.gap / 5``.

A lesson is data that a teacher writes, so its conditions are read with Python's own parser and evaluated
over a few named values only: numbers, strings, true/false, attribute lookups on the names given,
arithmetic, comparisons and and/or/not. Anything else (calls, indexing, imports) is refused when the
lessons are loaded, with the expression named.
"""

from __future__ import annotations

import ast
import operator

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.BinOp,
    ast.Compare,
    ast.Name,
    ast.Attribute,
    ast.Constant,
    ast.Load,
    *_BINARY,
    *_COMPARE,
)


class ExpressionError(ValueError):
    """A condition that is not in the lesson language."""


def parse(text: str, names: set[str]) -> ast.Expression:
    """The parsed condition; raises ExpressionError naming what is not allowed."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is not a condition: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{text!r} uses {type(node).__name__}, which a lesson condition cannot")
        if isinstance(node, ast.Name) and node.id not in names and node.id not in ("true", "false", "none"):
            raise ExpressionError(f"{text!r} names {node.id!r}; a condition can read {', '.join(sorted(names))}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"{text!r} reads a private value {node.attr!r}")
    return tree


def evaluate(tree: ast.Expression, values: dict):
    return _eval(tree.body, values)


def _eval(node, values):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return {"true": True, "false": False, "none": None}.get(node.id, values.get(node.id))
    if isinstance(node, ast.Attribute):
        return getattr(_eval(node.value, values), node.attr)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, values)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        results = (_eval(v, values) for v in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    left = _eval(node.left, values)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _eval(right_node, values)
        # None (no divergence, no test part) compares false with any number rather than raising.
        if (left is None or right is None) and type(op) not in (ast.Eq, ast.NotEq):
            return False
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True
