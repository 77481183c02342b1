"""The Python rules, on the AST: hardcoded service URLs, ad-hoc endpoint variables, endpoint_url.

Docstrings are prose and are not read; comments are not in the AST at all.
"""

from __future__ import annotations

import ast

from foundry_discover.checks.audit.context import Context, Endpoint, parse_endpoint, parse_url
from foundry_discover.checks.audit.findings import Finding, Loc

_GETENV = {"getenv", "get"}
_REGISTRY_SUFFIXES = ("_HOST", "_PORT")


def _column(lines: list[bytes], line: int, offset: int) -> int:
    """ast gives UTF-8 byte offsets; findings count characters."""
    if 0 < line <= len(lines):
        return len(lines[line - 1][:offset].decode("utf-8", "replace")) + 1
    return offset + 1


def _literal_prefix(node: ast.expr) -> str | None:
    """A string constant, or the leading constant part of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            # An f-string's host must be whole before the first {...}: "http://localstack:{port}".
            text = first.value
            return text if len(node.values) == 1 or text.endswith((":", "/")) else None
    return None


def _endpoint(node: ast.expr, *, urls_only: bool = False) -> Endpoint | None:
    text = _literal_prefix(node)
    if text is None:
        return None
    if isinstance(node, ast.JoinedStr) and text.endswith(":"):
        text = text[:-1]
    return parse_url(text) if urls_only else parse_endpoint(text)


def _is_getenv(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _GETENV:
        value = func.value
        return (isinstance(value, ast.Name) and value.id in ("os", "environ")) or (
            isinstance(value, ast.Attribute) and value.attr == "environ"
        )
    return isinstance(func, ast.Name) and func.id == "getenv"


class _Visitor(ast.NodeVisitor):
    def __init__(self, ctx: Context, file: str, lines: list[bytes]) -> None:
        self.ctx = ctx
        self.file = file
        self.lines = lines
        self.findings: list[Finding] = []
        self.done: set[int] = set()

    def at(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 1)
        return Loc(self.file, line, _column(self.lines, line, getattr(node, "col_offset", 0)))

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring, or a bare string statement: prose
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _is_getenv(node) and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant):
            variable = str(node.args[0].value)
            default = node.args[1]
            found = _endpoint(default, urls_only=True)
            target = self.ctx.points_at_service(found) if found is not None else None
            # A default that is a service of ours, or any URL behind an *_ENDPOINT (an AWS endpoint override).
            adhoc = target is not None or variable.endswith(("_ENDPOINT", "_ENDPOINT_URL"))
            if found is not None and adhoc and not variable.endswith(_REGISTRY_SUFFIXES):
                self.done.add(id(default))
                name = target or variable.removesuffix("_URL").removesuffix("_ENDPOINT")
                self.findings.append(
                    self.at(node).finding(
                        "FD102",
                        f"{variable} is an ad-hoc endpoint variable with the hardcoded default {found.show()}",
                        self.ctx.fix_for(name) + f": the registry reads SVC_{name}_HOST and {name}_PORT",
                    )
                )
        for keyword in node.keywords:
            if keyword.arg == "endpoint_url":
                found = _endpoint(keyword.value, urls_only=True)
                if found is not None:
                    self.done.add(id(keyword.value))
                    target = self.ctx.points_at_service(found)
                    fix = self.ctx.fix_for(target) if target else 'Pass endpoint_url=SERVICES.get_service_url("NAME")'
                    self.findings.append(
                        self.at(keyword).finding("FD103", f"endpoint_url is the literal {found.show()}", fix)
                    )
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._literal(node)  # its parts are not visited: one finding per f-string

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self._literal(node)

    def _literal(self, node: ast.expr) -> None:
        if id(node) in self.done:
            return
        found = _endpoint(node)
        if found is None:
            return
        name = self.ctx.points_at_service(found)
        if name is None:
            return
        self.findings.append(
            self.at(node).finding("FD101", f"{found.show()} is a hardcoded address of {name}", self.ctx.fix_for(name))
        )


def check_python(ctx: Context, file: str, source: bytes) -> list[Finding]:
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        column = getattr(exc, "offset", None) or 1
        message = getattr(exc, "msg", None) or str(exc)
        return [Loc(file, line, column).finding("FD002", f"Python syntax error: {message}")]
    visitor = _Visitor(ctx, file, source.splitlines())
    visitor.visit(tree)
    return visitor.findings
