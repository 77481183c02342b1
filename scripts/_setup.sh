# Sourced by scripts/check and scripts/demo: the project venv with the package (and the
# extras in $EXTRAS), and both emulators' cached venvs. Fails loudly if pip fails.
VENV=${FOUNDRY_VENV:-.venv}
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
pip_log=$(mktemp)
if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".${EXTRAS:-}" >"$pip_log" 2>&1; then
    grep -v '^WARNING: Location' "$pip_log" >&2
    rm -f "$pip_log"
    exit 1
fi
rm -f "$pip_log"
"$VENV/bin/python" -m tests.support.emulators install >/dev/null
