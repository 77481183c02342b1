"""Which environment variables foundry-discover reads, found in its code, for the manual.

``read_by_code()`` walks the package's AST (and the ``.pyz`` entry, ``scripts/pyz_main.py``)
for ``env.get("X")``, ``os.environ.get("X")``, ``os.environ["X"]``, ``os.getenv("X")``,
``"X" in env``, and module constants named ``*_VAR`` / ``*_ENV`` that hold a variable's
name. A name built by an f-string (``f"SVC_{name}_HOST"``) is reported as a pattern,
``SVC_<NAME>_HOST``. ``DESCRIPTIONS`` says what each one means; ``tests/test_docs_fresh.py``
fails when the code reads a variable that has no description, or a description names one
the code never reads, and the table in ``docs/environment.md`` is generated from both.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "foundry_discover", ROOT / "scripts" / "pyz_main.py"]

#: Placeholders in a pattern, by the f-string's expression: ``{key}`` and ``{name}`` are a
#: registry service name, ``{prefix}`` a Kubernetes Service's variable prefix.
ALIASES = {"KEY": "NAME", "PREFIX": "SVC", "SERVICE": "NAME"}

#: Reads that are not of this process's environment, or only of a variant of a known name:
#: (file, expression) -> why. audit reads the environment of Compose files and manifests;
#: a byte-order mark glued to a known name is looked up to say why that name is unset.
NOT_PROCESS_READS = {
    ("foundry_discover/checks/audit/cross.py", "variable"): "a consumer's environment in Compose or a manifest",
    ("foundry_discover/checks/audit/interpolate.py", "text[i + 1:j]"): "a ${VAR} in a Compose file",
    ("foundry_discover/checks/audit/interpolate.py", "name"): "a ${VAR} in a Compose file",
    ("foundry_discover/checks/audit/kube_rules.py", "variable"): "a container's env in a manifest",
    ("foundry_discover/lite/rawvalue.py", "glued"): "a known name with a byte-order mark glued to it",
    ("foundry_discover/lite/registry.py", "'\\ufeff' + variable"): "a known name with a byte-order mark glued to it",
}

#: Variables recognised by a regular expression over the whole environment, not by name:
#: (the module, the constant holding the expression). The test checks both still exist.
SCANNED = {
    "<SVC>_SERVICE_HOST": ("foundry_discover/checks/envcheck.py", "_LINK_HOST_RE"),
    "<SVC>_PORT_<N>_TCP": ("foundry_discover/checks/envcheck.py", "_LINK_PORTS_RE"),
    "SVC_<NAME>_PORT": ("foundry_discover/checks/envcheck.py", "_SVC_PORT_RE"),
    # urllib's and httpx's rule: every variable whose name ends in _proxy, in any case.
    "HTTP_PROXY": ("foundry_discover/checks/proxy/environ.py", "SUFFIX"),
    "HTTPS_PROXY": ("foundry_discover/checks/proxy/environ.py", "SUFFIX"),
    "ALL_PROXY": ("foundry_discover/checks/proxy/environ.py", "SUFFIX"),
    "NO_PROXY": ("foundry_discover/checks/proxy/environ.py", "SUFFIX"),
}

#: (default, meaning) of every variable the code reads, in the order of the table.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "SVC_<NAME>_HOST": (
        "per service ([registry](registry.md))",
        "DNS host of service `NAME`, e.g. `SVC_LOCALSTACK_HOST=localstack`",
    ),
    "<NAME>_PORT": (
        "per service",
        "port of service `NAME`, e.g. `LOCALSTACK_PORT=4566`; a Kubernetes service link (`tcp://...`) here is a "
        "configuration error (the application would crash on it)",
    ),
    "FOUNDRY_DISCOVER_REGISTRY": ("unset", "path of a TOML registry file (`--registry` wins)"),
    "ENVIRONMENT": (
        "unset (= development)",
        "`development`/`dev`/`local` (any case) or unset: `secret` uses the registry's LocalStack; anything else: "
        "AWS. The seed's application compares exactly: other values get a warning in `doctor` and `secret`",
    ),
    "NO_COLOR": ("unset", "any value: plain text, no colour, even on a terminal"),
    "TERM": ("as set", "`dumb`: plain text, no colour, as with `NO_COLOR`"),
    "FOUNDRY_DISCOVER_DEBUG": (
        "unset",
        "any value: an unexpected error shows its traceback (never set it where secrets flow)",
    ),
    "FOUNDRY_DISCOVER_MESSAGE_LOG": (
        "unset",
        "a file path: every error, warning and doctor fix is appended to it as JSON lines (for the message tests)",
    ),
    "AWS_REGION": (
        "unset (the application's default: `us-east-1`)",
        "region for `secret` and `doctor --secret`, as the application passes it (`region_name`)",
    ),
    "AWS_DEFAULT_REGION": (
        "unset",
        "not read by the application (botocore's own variable): a warning when it differs from the region in use",
    ),
    "AWS_PROFILE": (
        "unset",
        "botocore's profile (`AWS_DEFAULT_PROFILE` wins); a missing one is exit 3 naming the files looked in; "
        "as `--profile` in a suggested `aws` command outside development",
    ),
    "AWS_DEFAULT_PROFILE": ("unset", "botocore's profile, before `AWS_PROFILE` (the first one set wins, even empty)"),
    "AWS_CONFIG_FILE": ("`~/.aws/config`", "botocore's shared config file: profiles, regions, endpoints"),
    "AWS_SHARED_CREDENTIALS_FILE": ("`~/.aws/credentials`", "botocore's shared credentials file"),
    "AWS_ENDPOINT_URL_SECRETS_MANAGER": (
        "unset",
        "production: the Secrets Manager endpoint (wins over `AWS_ENDPOINT_URL`); ignored in development, "
        "with a warning",
    ),
    "AWS_ENDPOINT_URL": (
        "unset",
        "production: the endpoint for every AWS service; ignored in development, with a warning",
    ),
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": ("unset", "`true`: ignore the two above and the shared config's endpoints"),
    "<NAME>_HOST": (
        "unset",
        "never read by the registry: set, it gets a warning naming `SVC_<NAME>_HOST` (`LOCALSTACK_HOST` is "
        "LocalStack's own setting)",
    ),
    "<NAME>_URL": ("unset", "never read by the registry: set, it gets a warning (build the URL from host and port)"),
    "<NAME>_ENDPOINT": (
        "unset",
        'never read by the registry: set, it gets a warning (`LOCALSTACK_ENDPOINT` is the seed\'s "before" pattern)',
    ),
    "<NAME>_ENDPOINT_URL": ("unset", "never read by the registry: set, it gets a warning"),
    "SVC_<NAME>_PORT": ("unset", "never read by the registry: set, it gets a warning naming `<NAME>_PORT`"),
    "<SVC>_SERVICE_HOST": (
        "set by Kubernetes",
        "service links, injected for every Service in the namespace: read by `resolve` and `doctor` as evidence",
    ),
    "<SVC>_SERVICE_PORT": ("set by Kubernetes", "the Service's first port: `doctor` warns when the registry's differs"),
    "<SVC>_PORT_<N>_TCP": ("set by Kubernetes", "every port the Service serves (service links)"),
    "KUBERNETES_SERVICE_HOST": (
        "set by Kubernetes",
        "present in every pod: `doctor` says it runs in Kubernetes; its /16 marks likely ClusterIPs",
    ),
    "POD_NAMESPACE": (
        "unset",
        "the pod's namespace when neither the service account's namespace file nor the search list gives it "
        "(set it with the downward API)",
    ),
    "LOCALDOMAIN": ("unset", "replaces resolv.conf's search list, as glibc does (`resolve`, `doctor`)"),
    "RES_OPTIONS": ("unset", "resolver options applied after resolv.conf's, as glibc does (`resolve`, `doctor`)"),
    "DOCKER_HOST": (
        "`/var/run/docker.sock`",
        "the Docker Engine API `doctor` asks: `unix://PATH` or `tcp://HOST:PORT`",
    ),
    "DOCKER_TLS_VERIFY": ("unset", "with a `tcp://` `DOCKER_HOST`: any value but `0` means TLS"),
    "DOCKER_CERT_PATH": ("unset", "folder of `ca.pem`, `cert.pem` and `key.pem` for that TLS"),
    "FOUNDRY_DISCOVER_PYZ_CACHE": (
        "unset",
        "where `foundry-discover.pyz` unpacks itself on first run (then only there)",
    ),
    "XDG_CACHE_HOME": (
        "`~/.cache`",
        "the `.pyz` unpacks into `$XDG_CACHE_HOME/foundry-discover/pyz`, else the temp folder",
    ),
    "_FOUNDRY_DISCOVER_COMPLETE": ("unset", "internal: set by the shell completion scripts (Click's protocol)"),
    "TMPDIR": (
        "unset",
        "where the `.pyz` unpacks when its cache under the home cannot be used; then `TEMP`, `TMP`, `/tmp`",
    ),
    "TEMP": ("unset", "as `TMPDIR`, read after it"),
    "TMP": ("unset", "as `TMPDIR`, read after `TEMP`"),
    "<SVC>_PORT": (
        "set by the kubelet",
        "a Kubernetes Service's link variable (`tcp://IP:PORT`); named when it lands on a registry port variable",
    ),
    "HTTP_PROXY": (
        "unset",
        "the application's route (any case; lower case wins): `secret` and doctor's `aws` step go through it as "
        "botocore does; doctor's `protocol` step asks along it too; `health` warns (see [doctor](doctor.md))",
    ),
    "HTTPS_PROXY": ("unset", "as `HTTP_PROXY`, for https URLs"),
    "ALL_PROXY": ("unset", "httpx only: the proxy for any scheme without its own"),
    "NO_PROXY": (
        "unset",
        "hosts that go direct, by botocore's and httpx's different rules (an empty `no_proxy` hides it); "
        "fixes name the entry to add",
    ),
    "REQUEST_METHOD": ("unset", "set: a CGI environment, where urllib (so botocore) ignores `HTTP_PROXY`"),
    "AWS_CA_BUNDLE": (
        "unset",
        "botocore's CA bundle for https endpoints (then the profile's `ca_bundle`, then `REQUESTS_CA_BUNDLE`); "
        "shown by `secret --explain`, a bad path named",
    ),
    "REQUESTS_CA_BUNDLE": ("unset", "botocore's CA bundle when `AWS_CA_BUNDLE` and the profile's are unset"),
    "SSL_CERT_FILE": ("unset", "httpx's (and OpenSSL's) CA bundle for https services; a bad path is a warning"),
    "SSL_CERT_DIR": ("unset", "httpx's (and OpenSSL's) CA folder for https services"),
}

#: Read through botocore, not by this package's code: the same client the application builds
#: reads them (the test checks each against the installed botocore's source).
THROUGH_BOTOCORE: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "credentials outside development; in development named, not used (the app passes `test`)",
    "AWS_SECRET_ACCESS_KEY": "credentials, with the one above",
    "AWS_SESSION_TOKEN": "temporary credentials' token",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "web identity credentials (EKS IRSA), with `AWS_ROLE_ARN`",
    "AWS_ROLE_ARN": "the role for web identity",
    "AWS_MAX_ATTEMPTS": "ignored: the retry policy is set explicitly (see [secret](secret.md))",
    "AWS_RETRY_MODE": "ignored, as above",
}


def _receiver(node: ast.expr) -> bool:
    """``env``, ``environ``, ``os.environ``, ``self.env``, ``view.env``, ``self._env``."""
    if isinstance(node, ast.Name):
        return node.id in ("env", "environ")
    return isinstance(node, ast.Attribute) and node.attr in ("environ", "env", "_env")


def _strings(tree: ast.Module) -> dict[str, str]:
    return {
        t.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for t in node.targets
        if isinstance(t, ast.Name)
    }


def _literals(tree: ast.Module) -> dict[str, object]:
    """Module-level names bound to literals (strings, tuples, dicts of them)."""
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            out.update({t.id: value for t in targets if isinstance(t, ast.Name)})
    return out


def _returns(tree: ast.Module) -> dict[str, tuple[list[str], ast.expr]]:
    """Module-level functions whose body is one ``return <str or f-string>`` (``host_var``)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and len(node.body) == 1 and isinstance(node.body[0], ast.Return):
            value = node.body[0].value
            if isinstance(value, (ast.JoinedStr, ast.Constant)):
                out[node.name] = ([a.arg for a in node.args.args], value)
    return out


class _Each(list[object]):
    """Any one of these values: what an iteration or a comprehension yields."""


Spec = tuple[object, ...]


class _Scope:
    """The names one function (or module) binds, and what each can hold.

    Values are plain Python objects: module-level literals (``PROFILE_VARS = ("A", "B")``,
    ``FILES = {"config": ("AWS_CONFIG_FILE", ...)}``), followed through assignments,
    tuple unpacking, ``for`` loops, comprehensions and subscripts.
    """

    def __init__(self, consts: dict[str, object], funcs: dict[str, tuple[list[str], ast.expr]], body: ast.AST) -> None:
        self.consts, self.funcs = consts, funcs
        self.bound: dict[str, list[Spec]] = {}
        for node in ast.walk(body):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, ("expr", node.value))
            elif isinstance(node, (ast.For, ast.comprehension)):
                self._bind(node.target, ("iter", ("expr", node.iter)))

    def _bind(self, target: ast.expr, spec: Spec) -> None:
        if isinstance(target, ast.Name):
            self.bound.setdefault(target.id, []).append(spec)
        elif isinstance(target, ast.Tuple):
            for i, element in enumerate(target.elts):
                self._bind(element, ("index", spec, i))

    def _spec(self, spec: Spec, depth: int) -> list[object] | None:
        kind = spec[0]
        if kind == "expr":
            node = spec[1]
            assert isinstance(node, ast.expr)
            return self.values(node, depth + 1)
        inner = spec[1]
        assert isinstance(inner, tuple)
        found = self._spec(inner, depth + 1)
        if found is None:
            return None
        out: list[object] = []
        for obj in found:
            items = _elements(obj) if kind == "iter" else _index(obj, spec[2])
            if items is None:
                return None
            out += items
        return out

    def values(self, node: ast.expr, depth: int = 0) -> list[object] | None:
        """Every value ``node`` can hold, or None when it cannot be known."""
        if depth > 12:
            return None
        if isinstance(node, ast.Constant):
            return [node.value]
        if isinstance(node, ast.Name):
            if node.id in self.bound:
                found = [self._spec(spec, depth) for spec in self.bound[node.id]]
                return None if any(f is None for f in found) else [v for f in found if f for v in f]
            return [self.consts[node.id]] if node.id in self.consts else None
        if isinstance(node, (ast.Tuple, ast.List)):
            parts = [self.values(e, depth + 1) for e in node.elts]
            if any(p is None or len(p) != 1 for p in parts):
                return None
            return [tuple(p[0] for p in parts if p)]
        if isinstance(node, ast.Subscript):
            objs = self.values(node.value, depth + 1)
            key = node.slice.value if isinstance(node.slice, ast.Constant) else _ANY
            if objs is None:
                return None
            out: list[object] = []
            for obj in objs:
                items = _index(obj, key)
                if items is None:
                    return None
                out += items
            return out
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            found = self.values(node.elt, depth + 1)
            return None if found is None else [_Each(found)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
            objs = self.values(node.func.value, depth + 1)
            if objs is None or not all(isinstance(o, dict) for o in objs):
                return None
            method = node.func.attr
            if method in ("values", "keys", "items"):
                return [_Each(getattr(o, method)()) for o in objs if isinstance(o, dict)]
            return None
        if isinstance(node, ast.JoinedStr):
            pieces: list[list[str]] = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    pieces.append([str(value.value)])
                elif isinstance(value, ast.FormattedValue):
                    known = self.resolve(value.value, depth + 1)
                    pieces.append(known if known is not None else [_placeholder(value.value)])
            return ["".join(p) for p in itertools.product(*pieces)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.funcs:
            # Its parameters become placeholders: host_var(key) is SVC_<NAME>_HOST.
            return _Scope({}, {}, ast.Module(body=[], type_ignores=[])).values(self.funcs[node.func.id][1], depth + 1)
        return None

    def resolve(self, node: ast.expr, depth: int = 0) -> list[str] | None:
        """Every variable name ``node`` can hold, or None when it is not a name we can know."""
        found = self.values(node, depth)
        if found is None or not all(isinstance(v, str) for v in found):
            return None
        return [v for v in found if isinstance(v, str)]


_ANY = object()


def _elements(obj: object) -> list[object] | None:
    if isinstance(obj, dict):
        return list(obj)
    if isinstance(obj, (list, tuple)):
        return list(obj)
    return None


def _index(obj: object, key: object) -> list[object] | None:
    """``obj[key]``; with an unknown key (or from an iteration) every element it could be."""
    if isinstance(obj, _Each):
        flat: list[object] = []
        for element in obj:
            items = _index(element, key) if not isinstance(element, (str, int)) else None
            if items is None:
                return list(obj) if key is _ANY or isinstance(key, int) else None
            flat += items
        return flat
    if isinstance(obj, dict):
        return [obj[key]] if key in obj else list(obj.values())
    if isinstance(obj, (list, tuple)):
        if isinstance(key, int) and -len(obj) <= key < len(obj):
            return [obj[key]]
        return list(obj)
    return None


def _placeholder(node: ast.expr) -> str:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "X")
    word = name.upper()
    return f"<{ALIASES.get(word, word)}>"


def _reads(node: ast.AST) -> Iterator[ast.expr]:
    """The name expressions of every environment read under ``node``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.args:
            if (sub.func.attr == "get" and _receiver(sub.func.value)) or (
                sub.func.attr == "getenv" and isinstance(sub.func.value, ast.Name) and sub.func.value.id == "os"
            ):
                yield sub.args[0]
        elif isinstance(sub, ast.Subscript) and _receiver(sub.value) and isinstance(sub.ctx, ast.Load):
            yield sub.slice
        elif (
            isinstance(sub, ast.Compare)
            and len(sub.ops) == 1
            and isinstance(sub.ops[0], (ast.In, ast.NotIn))
            and _receiver(sub.comparators[0])
        ):
            yield sub.left


def _files() -> Iterable[Path]:
    for source in SOURCES:
        yield from sorted(source.rglob("*.py")) if source.is_dir() else [source]


def scan() -> tuple[dict[str, set[str]], list[str]]:
    """{variable or pattern: {file, ...}}, and the reads whose name cannot be known."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in _files()}
    consts: dict[str, object] = {}
    funcs: dict[str, tuple[list[str], ast.expr]] = {}
    for tree in trees.values():
        consts.update(_literals(tree))
        funcs.update(_returns(tree))
    found: dict[str, set[str]] = {}
    unknown: list[str] = []
    for path, tree in trees.items():
        rel = path.relative_to(ROOT).as_posix()
        for name, value in _strings(tree).items():
            if name.endswith(("_VAR", "_ENV")):
                found.setdefault(value, set()).add(rel)
        scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for body in [tree, *scopes]:
            scope = _Scope(consts, funcs, body)
            inner = body.body if isinstance(body, ast.Module) else [body]
            for stmt in inner:
                if isinstance(body, ast.Module) and isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for expr in _reads(stmt):
                    names = scope.resolve(expr)
                    if names is None and (rel, ast.unparse(expr)) not in NOT_PROCESS_READS:
                        unknown.append(f"{rel}:{expr.lineno}: {ast.unparse(expr)}")
                    for name in names or []:
                        found.setdefault(name, set()).add(rel)
    for pattern, (module, _) in SCANNED.items():
        found.setdefault(pattern, set()).add(module)
    return found, sorted(set(unknown))


def read_by_code() -> dict[str, set[str]]:
    return scan()[0]


def table() -> str:
    """The Markdown table of docs/environment.md: every variable the code reads."""
    found = read_by_code()
    rows = ["| variable | default | meaning | read in |", "| --- | --- | --- | --- |"]
    for name, (default, meaning) in DESCRIPTIONS.items():
        where = ", ".join(f"`{p.removeprefix('foundry_discover/')}`" for p in sorted(found.get(name, ())))
        rows.append(f"| `{name}` | {default} | {meaning} | {where} |")
    return "\n".join(rows)


def botocore_table() -> str:
    rows = ["| variable | meaning |", "| --- | --- |"]
    rows += [f"| `{name}` | {meaning} |" for name, meaning in THROUGH_BOTOCORE.items()]
    return "\n".join(rows)


if __name__ == "__main__":
    found, unknown = scan()
    for name in sorted(found):
        print(name, *sorted(found[name]))
    for line in unknown:
        print("unknown:", line)
