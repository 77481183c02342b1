"""Bootstrap of foundry-discover.pyz: unpack the bundled packages once, then run the CLI.

botocore reads its service models as files, which a zip cannot serve, so the bundle is
unpacked on first run to a cache folder keyed by the build id (atomically: two first
runs at once both succeed). Later runs only put that folder on sys.path, which keeps
start-up within a few milliseconds of an installed console script.
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


def _cache_roots():
    named = os.environ.get("FOUNDRY_DISCOVER_PYZ_CACHE")
    if named:
        return [named]
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    import tempfile

    # A container's home may be read-only: fall back to the temp folder.
    return [os.path.join(xdg, "foundry-discover", "pyz"), os.path.join(tempfile.gettempdir(), "foundry-discover-pyz")]


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


def _site_packages():
    archive = os.path.abspath(sys.argv[0])
    for root in _cache_roots():
        target = os.path.join(root, BUILD_ID)
        site = os.path.join(target, "site-packages")
        if os.path.isdir(site):
            return site
        try:
            _unpack(archive, target)
            return site
        except OSError:
            continue
    sys.stderr.write("foundry-discover.pyz: cannot unpack; set FOUNDRY_DISCOVER_PYZ_CACHE to a writable folder\n")
    raise SystemExit(3)


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


_site = _site_packages()
sys.path.insert(0, _site)

import atexit  # noqa: E402

atexit.register(_compile_imported, _site)

from foundry_discover.lite.main import main  # noqa: E402

main()
