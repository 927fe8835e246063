"""The docs point at files that exist: a moved module or manual must take its mentions along.

Reads README.md, BENCHMARKS.md and docs/*.md as text; no rendering.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
# The top-level directories a path in the docs may start with.
TOP = ("answers", "bench", "bot", "deploy", "docs", "handlers", "redaction", "storage", "tests",
       "tgemu", "web", "wording")  # fmt: skip
# `handlers/transport/inbox.py`, `storage/content/`, `answers/vocabulary/en.toml` …
CODE_PATH = re.compile(r"`((?:" + "|".join(TOP) + r")/[\w./-]*)`")
LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)|src=\"([^\"]+)\"")


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_every_relative_link_resolves(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    missing = []
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(3)
        if re.match(r"^[a-z]+:", target):  # https:, mailto:, file:
            continue
        if not (doc.parent / target).exists():
            missing.append(target)
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=_ids(DOCS))
def test_every_path_named_in_code_style_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    missing = [
        path
        for path in CODE_PATH.findall(text)
        if not any(ch in path for ch in "*{<") and not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 15_000
    # The commands that work on a fresh machine come first, before any manual.
    first_block = readme.index("```sh")
    assert readme.index("python -m bot chat", first_block) < readme.index("## What it does")
    assert 'pytest -m "not slow"' in readme
