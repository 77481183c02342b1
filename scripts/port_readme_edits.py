"""One-off, for merging branches that edited the old 1,100-line README: move their edits into docs/.

    python scripts/port_readme_edits.py BASE BRANCH

takes the change BRANCH made to README.md since BASE (the commit it branched from), and
applies each changed block where its old text now lives: README.md or one docs/*.md page
(the text was moved, not rewritten). A block whose old text is found in no page, or in
several, is printed with its line numbers, to place by hand. Nothing is committed; check
``git diff``, then run ``scripts/docs`` (outputs, --help and the environment table are
generated: a new variable goes into DESCRIPTIONS in scripts/envvars.py, not into a table).
Delete this script once the branches are merged.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_at(commit: str) -> list[str]:
    return subprocess.run(
        ["git", "show", f"{commit}:README.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")


def main(base: str, branch: str) -> int:
    old, new = readme_at(base), readme_at(branch)
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    texts = {page: page.read_text() for page in pages}
    left = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        before, after = "\n".join(old[i1:i2]), "\n".join(new[j1:j2])
        if tag == "insert":
            # Anchor on the line before; an empty line is no anchor: it is everywhere.
            before = "\n".join(old[max(i1 - 2, 0) : i1])
            after = before + "\n" + after
        hits = [page for page, text in texts.items() if before.strip() and text.count(before) == 1]
        if len(hits) == 1:
            texts[hits[0]] = texts[hits[0]].replace(before, after, 1)
            print(f"moved: README lines {i1 + 1}-{i2} ({tag}) -> {hits[0].relative_to(ROOT)}")
        else:
            left += 1
            print(f"by hand: README lines {i1 + 1}-{i2} ({tag}), the branch's lines {j1 + 1}-{j2}:")
            print("  " + after.replace("\n", "\n  "))
    for page, text in texts.items():
        page.write_text(text)
    return 1 if left else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
