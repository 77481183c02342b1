"""The Python rules, on the AST: hardcoded service URLs, ad-hoc endpoint variables, endpoint_url.

Docstrings are prose and are not read; comments are not in the AST at all.
"""

from __future__ import annotations

import ast
import re

from foundry_discover.checks.audit.context import Context, Endpoint, parse_endpoint, parse_url
from foundry_discover.checks.audit.findings import Finding, Loc

_GETENV = {"getenv", "get"}
#: Where a rule could fire, found in the bytes: a URL's host[:port], a quoted host:port, the two names.
_HINT_RE = re.compile(
    rb"://(?:[^@/\s\"']*@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.\-]+)(?::(\d{1,5}))?"
    rb"|[\"']([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})[\"'/]"
    rb"|endpoint_url|_ENDPOINT"
)
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


class _Checker:
    def __init__(self, ctx: Context, file: str, lines: list[bytes]) -> None:
        self.ctx = ctx
        self.file = file
        self.lines = lines
        self.findings: list[Finding] = []
        self.done: set[int] = set()

    def at(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 1)
        return Loc(self.file, line, _column(self.lines, line, getattr(node, "col_offset", 0)))

    def run(self, tree: ast.AST) -> list[Finding]:
        # One pass over ast.walk (NodeVisitor's dispatch costs twice as much on big trees).
        # Calls come before their arguments in the walk, so FD102/FD103 claim their literals first.
        skip: set[int] = set()  # docstrings and bare string statements (prose), and f-strings' parts
        for node in ast.walk(tree):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                skip.add(id(node.value))
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.JoinedStr):
                skip.update(id(v) for v in node.values)  # one finding per f-string, not per part
                self.literal(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                self.literal(node)
        return self.findings

    def call(self, node: ast.Call) -> None:
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

    def literal(self, node: ast.expr) -> None:
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


def worth_parsing(ctx: Context, source: bytes) -> bool:
    """Whether any rule could fire: a file with no address of ours in its text is not parsed.

    A prefilter only; the rules themselves read the AST. It costs a regex scan, where a
    parse and a walk of the tree cost ten times as much.
    """
    for match in _HINT_RE.finditer(source):
        host, port = match.group(1) or match.group(3), match.group(2) or match.group(4)
        if host is None:
            return True  # endpoint_url or *_ENDPOINT: FD102 and FD103 need the tree
        text = host.decode("ascii", "replace").strip("[]").lower()
        if ctx.points_at_service(Endpoint(None, text, int(port) if port else None)) is not None:
            return True
    return False


def check_python(ctx: Context, file: str, source: bytes) -> list[Finding]:
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        column = getattr(exc, "offset", None) or 1
        message = getattr(exc, "msg", None) or str(exc)
        return [Loc(file, line, column).finding("FD002", f"Python syntax error: {message}")]
    return _Checker(ctx, file, source.splitlines()).run(tree)
