"""What an environment value carries that the application keeps: the stray characters env files leave.

The seed's application reads each value raw. A host goes into ``f"http://{host}:{port}"``
as it is, so a carriage return, quotes or spaces around it break the URL (botocore: "Invalid
endpoint", and the ``\\r`` hides on a terminal, so the URL it prints looks right). A port goes
through ``int()``, which drops surrounding whitespace, so the same characters around a port
do nothing, while quotes make ``int()`` raise at start-up.

Each kind names the tool that probably left it, from how those tools read an env file:

* ``docker run --env-file`` (docker/cli pkg/kvfile): drops a UTF-8 BOM and the line's ``\\r``
  (Go's line scanner), trims whitespace before the name only, keeps quotes and trailing spaces;
* Compose's ``env_file`` (compose-go dotenv): drops the BOM, trims values, removes quotes;
* a shell sourcing the file (``. FILE``, ``set -a``): removes quotes, keeps a CRLF file's ``\\r``;
* python-dotenv up to 1.2.2, and ``env $(cat FILE)``: keep a BOM, glued to the first name.

Imported only when a value holds such a character (see ``values``): the clean path pays nothing.
"""

from __future__ import annotations

from foundry_discover.lite.base import FrozenRecord
from foundry_discover.lite.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

BOM = "\ufeff"

_CRLF_SOURCE = (
    "Probably a file with Windows (CRLF) line endings read by a shell script (`. FILE`, `set -a`), which keeps "
    "the \\r (docker run --env-file and Compose's env_file drop it)"
)
_CRLF_FIX = "convert the file to Unix line endings: `sed -i 's/\\r$//' FILE` (or `dos2unix FILE`)"
_QUOTES_SOURCE = (
    "Probably `docker run --env-file`, which keeps quotes as part of the value (Compose's env_file and a shell "
    "remove them)"
)
_SPACES_SOURCE = (
    "Probably `docker run --env-file`, which keeps spaces after the '=' and at the end of the line (Compose's "
    "env_file trims them)"
)
_NEWLINE_SOURCE = "Probably a file that ends in a newline (a ConfigMap or Secret made with --from-file keeps it)"
_NEWLINE_FIX = "store the value without it (`kubectl create configmap NAME --from-literal=KEY=VALUE`)"


class Stray(FrozenRecord):
    """The stray characters around a value: which kind, the value without them, and the words for it."""

    #: ``cr``, ``newline``, ``quotes`` or ``spaces``.
    kind: str
    #: The value as it was meant: what the fix writes.
    core: str
    #: "ends in a carriage return", "keeps the double quotes around it", ...
    what: str
    #: The tool that probably left them.
    source: str
    fix: str


class ValueWarning(str):
    """A warning about a value that works: its text is ``message. fix``, as a ConfigError's is.

    ``variable`` is the variable it is about, ``kind`` the stray kind (or ``bom``: the variable
    is unset because a byte-order mark is glued to its name), ``raw`` the value as set.
    """

    message: str
    fix: str | None
    variable: str | None
    kind: str | None
    raw: str | None

    def __new__(
        cls,
        message: str,
        fix: str | None = None,
        *,
        variable: str | None = None,
        kind: str | None = None,
        raw: str | None = None,
    ) -> ValueWarning:
        self = super().__new__(cls, f"{message}. {fix}" if fix else message)
        self.message = message
        self.fix = fix
        self.variable = variable
        self.kind = kind
        self.raw = raw
        return self


def _where(raw: str, char: str) -> str:
    if raw.endswith(char) and raw.count(char) == 1:
        return "ends in"
    if raw.startswith(char) and raw.count(char) == 1:
        return "starts with"
    return "holds"


def find_stray(raw: str, variable: str) -> Stray | None:
    """What stray characters ``raw`` (the value of ``variable``) carries, or None when it has none."""
    core = raw.strip()
    if "\r" in raw:
        return Stray("cr", core, f"{_where(raw, chr(13))} a carriage return (\\r)", _CRLF_SOURCE, _CRLF_FIX)
    if "\n" in raw:
        return Stray("newline", core, f"{_where(raw, chr(10))} a newline (\\n)", _NEWLINE_SOURCE, _NEWLINE_FIX)
    if len(core) >= 2 and core[0] == core[-1] and core[0] in "\"'":
        inner = core[1:-1].strip()
        which = "double" if core[0] == '"' else "single"
        fix = f"remove them in the env file: {variable}={inner}"
        return Stray("quotes", inner, f"keeps the {which} quotes around it", _QUOTES_SOURCE, fix)
    if core != raw:
        lead, trail = raw != raw.lstrip(), raw != raw.rstrip()
        place = "around it" if lead and trail else "before it" if lead else "after it"
        odd = sorted({c for c in raw if c.isspace() and c not in " \t"})
        kind = f" ({', '.join(f'U+{ord(c):04X}' for c in odd)}, pasted from a web page or a chat)" if odd else ""
        fix = f"remove them in the env file: {variable}={core}"
        return Stray("spaces", core, f"has spaces {place}{kind}", _SPACES_SOURCE, fix)
    return None


def host_error(raw: str, variable: str, stray: Stray, url_around: tuple[str, str]) -> ConfigError:
    """The host keeps its stray characters in the application's URL, which no client can use."""
    before, after = url_around
    url = f"{before}{raw}{after}"
    if before.startswith("http"):
        hides = ", where the \\r hides when printed and the URL looks right" if stray.kind == "cr" else ""
        fails = f"which botocore rejects (ValueError: Invalid endpoint: {url!r}{hides})"
    else:
        fails = f"and a client given the host {raw!r} finds no such name"
    return ConfigError(
        f"{variable}={raw!r} {stray.what}: the application puts it into its URL as it is "
        f'(f"{before}{{host}}{after}" gives {url!r}), {fails}',
        fix=f"{stray.source}: {stray.fix}",
    )


def port_error(raw: str, variable: str, stray: Stray) -> ConfigError:
    """Quotes around a port: the application's ``int()`` raises at start-up."""
    return ConfigError(
        f"{variable}={raw!r} {stray.what}: the application's `int(os.getenv({variable!r}))` raises ValueError on it "
        "at start-up",
        fix=f"{stray.source}: {stray.fix}",
    )


def port_warning(raw: str, variable: str, stray: Stray, port: int) -> ValueWarning:
    """Whitespace around a port: ``int()`` drops it, so the port works; its source is worth fixing."""
    message = (
        f"{variable}={raw!r} {stray.what}: the application's int() drops surrounding whitespace, so port {port} works"
    )
    if stray.kind == "cr":
        # The port survives, but the file's other values end in \\r too: a host among them breaks the URL.
        also = "; a host from that file keeps it too and breaks the URL"
        return ValueWarning(message, f"{stray.source}{also}: {stray.fix}", variable=variable, kind="cr", raw=raw)
    return ValueWarning(message, f"{stray.source}: {stray.fix}", variable=variable, kind=stray.kind, raw=raw)


def bom_warning(variable: str, env: Mapping[str, str], default: str | None = None) -> ValueWarning | None:
    """``\\ufeffVARIABLE`` is set, so ``VARIABLE`` is not: a byte-order mark glued to the first name.

    ``default`` is what the application uses instead, when known.
    """
    glued = BOM + variable
    if glued not in env:
        return None
    raw = env[glued]
    uses = f": the application uses the default {default!r}, not {raw!r}" if default is not None else ""
    return ValueWarning(
        f"the environment has {glued!r}, a UTF-8 byte-order mark glued to the name, so {variable} is unset{uses}",
        fix="Probably an env file saved with a BOM, loaded by a tool that keeps it (python-dotenv up to 1.2.2, "
        "`env $(cat FILE)`; Docker and Compose drop it): save it as UTF-8 without BOM "
        "(`sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)",
        variable=variable,
        kind="bom",
        raw=raw,
    )


def bare_ipv6_warning(host: str, variable: str, url_around: tuple[str, str]) -> ValueWarning:
    """An IPv6 literal without brackets: this registry brackets it, the seed's f-string does not."""
    before, after = url_around
    url = f"{before}{host}{after}"
    return ValueWarning(
        f"{variable}={host!r} is an IPv6 address without brackets: this registry brackets it, but an application "
        f'that builds f"{before}{{host}}{after}" itself (as the seed does) gets {url!r}, which botocore cannot '
        "use (ValueError, at boto3.client or at each call)",
        fix=f"Set {variable}=[{host}]",
        variable=variable,
        kind="ipv6",
        raw=host,
    )
