"""What every bot process loads at start: nothing only some features need (BENCHMARKS.md, memory).

The memory targets (< 100 MB at 100,000 subscribers) leave a few MiB: `cryptography` (which
python-telegram-bot imports at start for Telegram Passport whenever it is installed: 7 MiB) and
`icalendar` with python-dateutil (3 MiB) must not be loaded by a process that has not built a
calendar; pypinyin and jieba wait for the first question that needs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Everything `python -m bot run` imports before its first update.
START = "import bot.cli, bot.app, bot.runner, bot.web_server, handlers, web.site"
NOT_AT_START = ("cryptography", "icalendar", "dateutil", "pypinyin", "jieba", "wechatpy")


@pytest.mark.slow  # a fresh interpreter importing the bot (~1 s)
def test_a_bot_process_starts_without_the_heavy_optional_libraries() -> None:
    code = f"{START}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = {name.split(".", 1)[0] for name in json.loads(completed.stdout)}
    assert loaded.isdisjoint(NOT_AT_START), sorted(loaded & set(NOT_AT_START))
    assert "telegram" in loaded and "handlers" in loaded  # the check looked at a real start
