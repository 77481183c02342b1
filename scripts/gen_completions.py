"""Write completions/ from the app itself: `python scripts/gen_completions.py [--check]`.

Uses Typer's public completion protocol (``_FOUNDRY_DISCOVER_COMPLETE=source_SHELL``),
so the scripts are exactly what `foundry-discover --install-completion` would install.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    # Named as each shell's loader looks them up; the wheel installs them under share/.
    "bash": ROOT / "completions" / "bash" / "foundry-discover",
    "zsh": ROOT / "completions" / "zsh" / "_foundry-discover",
    "fish": ROOT / "completions" / "fish" / "foundry-discover.fish",
}


def generate(shell: str) -> str:
    env = dict(os.environ, _FOUNDRY_DISCOVER_COMPLETE=f"source_{shell}")
    code = "from foundry_discover.lite.main import main; main()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout.strip() + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for shell, path in FILES.items():
        text = generate(shell)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/gen_completions.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
