"""The README's architecture table lists every product module, in the folder it really is in."""

import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("intake", "mailboxes", "acd_points")


def listed_in_readme() -> dict[str, set[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Architecture") :]
    listed = defaultdict(set)
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`[\w/]+/`", cells[0]):
            listed[cells[0].strip("`").rstrip("/")] |= set(re.findall(r"`([\w.]+\.py)`", cells[1]))
    return listed


def in_the_tree() -> dict[str, set[str]]:
    found = defaultdict(set)
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "__init__.py":
                continue
            found[str(path.parent.relative_to(ROOT))].add(path.name)
    return found


def test_the_readme_lists_every_module_where_it_is():
    assert listed_in_readme() == in_the_tree()
