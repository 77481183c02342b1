"""Bootstrap of foundry-discover.pyz: run the CLI from an unpacked copy, or from the zip itself.

botocore reads its service models as files, which a zip cannot serve, so the bundle is
unpacked on first run to a cache folder keyed by the build id (atomically: two first
runs at once both succeed). Later runs only put that folder on sys.path, which keeps
start-up within a few milliseconds of an installed console script.

Where nothing can be written (a hardened container: read-only root, no HOME, a user
without a passwd entry, no tmpfs), the commands that read no bundled file (everything
but ``secret`` and ``doctor``, the healthcheck forms among them, and any ``--help``) run
straight from the zip, and the two that need botocore's models stop with one line naming
the fix.
"""

import os
import sys

# Old interpreters get one line, not a traceback; %-formatting because this line must
# still parse and run on them.
if sys.version_info < (3, 10):  # noqa: UP036
    sys.stderr.write(
        "foundry-discover.pyz needs Python 3.10 or newer; this is %d.%d: run it with python3.10+\n"  # noqa: UP031
        % sys.version_info[:2]
    )
    raise SystemExit(3)

BUILD_ID = "@BUILD_ID@"
#: The commands that read botocore's service models as files: they need the unpacked copy.
NEED_FILES = ("secret", "doctor")
#: Root options that take a value (as in cli.application), so the command word is found after them.
VALUE_OPTIONS = ("--registry",)


def _cache_roots():
    named = os.environ.get("FOUNDRY_DISCOVER_PYZ_CACHE")
    if named:
        return [named]
    roots = []
    xdg = os.environ.get("XDG_CACHE_HOME")
    # With no HOME and a UID that has no passwd entry (a pod's runAsUser), expanduser
    # hands "~" back unchanged: a relative path, which would land in the working folder.
    home = os.path.expanduser("~")
    if xdg and os.path.isabs(xdg):
        roots.append(os.path.join(xdg, "foundry-discover", "pyz"))
    elif os.path.isabs(home):
        roots.append(os.path.join(home, ".cache", "foundry-discover", "pyz"))
    # A container's home is often read-only: then a temp folder. Not tempfile.gettempdir(),
    # which raises where none is writable and falls back to the working folder.
    for tmp in (os.environ.get("TMPDIR"), os.environ.get("TEMP"), os.environ.get("TMP"), "/tmp", "/var/tmp"):
        if tmp and os.path.isabs(tmp) and os.path.isdir(tmp):
            roots.append(os.path.join(tmp, "foundry-discover-pyz"))
    return list(dict.fromkeys(roots))


def _unpack(archive, target):
    import shutil
    import tempfile
    import zipfile

    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".unpack-", dir=parent)
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.namelist() if m.startswith("site-packages/")]
            bundle.extractall(staging, members)
        try:
            os.rename(staging, target)
        except OSError:
            if not os.path.isdir(os.path.join(target, "site-packages")):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _command(argv):
    """The command word, found as cli.application.invoked_command finds it (None for none)."""
    args = iter(argv)
    for arg in args:
        if arg in VALUE_OPTIONS:
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _site_packages(archive, argv):
    """The unpacked copy (found, else made), else the zip itself for a command that can run from it."""
    roots = _cache_roots()
    for root in roots:
        site = os.path.join(root, BUILD_ID, "site-packages")
        if os.path.isdir(site):
            return site
    for root in roots:
        try:
            _unpack(archive, os.path.join(root, BUILD_ID))
            return os.path.join(root, BUILD_ID, "site-packages")
        except OSError:
            continue
    command = _command(argv)
    zipped = os.path.join(archive, "site-packages")  # zipimport reads the bundle in place
    if command not in NEED_FILES or "--help" in argv or "-h" in argv:
        # A corner of another command may still reach for botocore (the emulator check of
        # an emulator without LocalStack's health path): it stops there in the same words.
        sys.meta_path.insert(0, _NeedsFiles(command, roots))
        return zipped
    sys.path.insert(0, zipped)
    from foundry_discover.lite.boundary import guarded

    def action():
        raise _unpack_error(command, roots)

    raise SystemExit(guarded(command, "--json" in argv, action))


def _unpack_error(command, roots):
    """The exit-3 error (the tool's own ConfigError) for a run that needs the unpacked files."""
    from foundry_discover.lite.errors import ConfigError

    if os.environ.get("FOUNDRY_DISCOVER_PYZ_CACHE"):
        why = "FOUNDRY_DISCOVER_PYZ_CACHE=%s is not a writable folder" % roots[0]  # noqa: UP031
    else:
        tried = ", ".join(root.rsplit("/foundry-discover", 1)[0] for root in roots)
        why = "nothing here is writable (tried %s)" % (tried or "no HOME, no temp folder")
    return ConfigError(
        "foundry-discover.pyz must unpack itself for %s, but %s" % (command or "this command", why),  # noqa: UP031
        fix="Point FOUNDRY_DISCOVER_PYZ_CACHE at a writable emptyDir or tmpfs mount, "
        "e.g. docker run --tmpfs /cache -e FOUNDRY_DISCOVER_PYZ_CACHE=/cache",
    )


class _NeedsFiles:
    """A finder for a run from the zip: importing botocore raises the exit-3 error, which the
    command's error boundary reports, instead of botocore failing later on a missing model."""

    def __init__(self, command, roots):
        self.command, self.roots = command, roots

    def find_spec(self, name, path=None, target=None):
        if name in ("botocore", "boto3"):
            raise _unpack_error(self.command, self.roots)
        return None


def _compile_imported(site):
    """Write bytecode for every bundled module this run imported from source.

    Where bytecode is not written (PYTHONDONTWRITEBYTECODE=1, common in images), every
    run would otherwise compile every module again: about 250 ms of a 350 ms start. So
    at exit, once the command's work and output are done, the modules that had none get
    it. Unchecked-hash pycs: the folder is named after the build's content and never
    changes, and such a pyc stays valid whatever the files' times become (a copied
    cache, SOURCE_DATE_EPOCH). Each pyc is written atomically, so concurrent first runs
    are safe; a read-only cache just stays as it is.
    """
    if not sys.dont_write_bytecode:
        return  # the import system wrote them as it went
    signals = sys.modules.get("foundry_discover.lite.signals")
    if signals is not None and signals.stopped():
        return  # a SIGTERM or Ctrl-C asked to stop: leave it to a later run
    missing = []
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None) or ""
        cached = getattr(module, "__cached__", None)
        if cached and source.startswith(site) and source.endswith(".py") and not os.path.exists(cached):
            missing.append((source, cached))
    if not missing:
        return
    import py_compile

    for source, cached in missing:
        try:
            py_compile.compile(
                source, cfile=cached, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
            )
        except (OSError, py_compile.PyCompileError):
            return  # read-only or full: not worth trying the rest


_archive = os.path.abspath(sys.argv[0])
_site = _site_packages(_archive, sys.argv[1:])
sys.path.insert(0, _site)

if not _site.startswith(_archive + os.sep):
    import atexit

    atexit.register(_compile_imported, _site)

from foundry_discover.lite.main import main  # noqa: E402

main()
