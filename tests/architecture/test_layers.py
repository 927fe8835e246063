"""The floor plan, enforced: every import between the top-level packages points downward.

    bot                       the process: command line, composition root; nothing imports it
    handlers  web  wechat     the faces, side by side; no face imports another
    wording                   what every face says: catalogs, names, answer sentences
    answers                   the answer engine: language, questions, ranking; no SQL
    storage                   every database connection, the content model
    redaction                 secrets kept out of logs and printed errors (any layer uses it)

The emulators (tgemu, wxemu) are tools of the process and the tests, never of a face. The graph
is read from the source with `ast` (type-only imports count too: a reader follows them all the same).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Each package, with its layer: a package may import only packages of a lower layer.
LAYERS: dict[str, int] = {
    "bot": 5,
    "handlers": 4,
    "web": 4,
    "wechat": 4,
    "wording": 3,
    "answers": 2,
    "storage": 1,
    # Secrets never reach the logs: every layer registers the secrets it learns.
    "redaction": 0,
}
# Packages that only the process (and tests, benchmarks) may use.
TOOLS: dict[str, int] = {"tgemu": -1, "wxemu": -1}
PACKAGES = {**LAYERS, **TOOLS}
# Database drivers: only storage talks to them.
DRIVERS = {"sqlite3", "aiosqlite"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.split(".", 1)[0] for name in names}


# Imports that still break the plan, each to be removed by the change that fixes it (the check
# fails both on a new one and on one that is gone but still listed).
PENDING: set[tuple[str, str]] = set()


def _edges() -> set[tuple[str, str, str]]:
    """(package, file, imported top-level name) for every import in the packages."""
    edges = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in _imports(path):
                edges.add((package, str(path.relative_to(ROOT)), name))
    return edges


def _breaches() -> set[tuple[str, str]]:
    breaches = set()
    for package, file, name in _edges():
        if name == package:
            continue
        if (
            (name in DRIVERS and package != "storage")
            or (name in TOOLS and package != "bot")
            or (name in LAYERS and PACKAGES[name] >= PACKAGES[package])
        ):
            breaches.add((file, name))
    return breaches


def test_every_import_between_packages_points_down() -> None:
    """No upward import, no face importing another, no emulator in a face, no database driver
    outside storage: beyond the listed pending ones, which must still exist."""
    breaches = _breaches()
    assert sorted(breaches - PENDING) == []
    assert sorted(PENDING - breaches) == []


def test_the_graph_sees_every_package() -> None:
    # A renamed or missing package would make the check above pass vacuously.
    edges = _edges()
    assert {package for package, _, _ in edges} == set(PACKAGES)
    assert ("wording", "wording/answer_view.py", "answers") in edges
    assert ("handlers", "handlers/cards.py", "wording") in edges
