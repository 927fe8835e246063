"""Questions about the programme through the real bot: the answer engine's questions reach the
sessions ("when is the graphene talk", «где доклад про композиты», 下午有什么报告, "what's in
Hall B at 14:00"), and fact questions still get the facts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ask, callbacks, running_bot
from tests.programme_files import ZONE, Talk, write_programme

HEADING = {"en": "organizers' programme", "ru": "программы организаторов", "zh": "主办方提供的日程"}

# Real bot or site processes: seconds each.
pytestmark = pytest.mark.slow


def _talks() -> list[Talk]:
    # Tomorrow at fixed hours: the programme has no session today, so its day is tomorrow.
    tomorrow = dt.datetime.now(ZoneInfo(ZONE)).date() + dt.timedelta(days=1)

    def at(hour: int) -> dt.datetime:
        return dt.datetime.combine(tomorrow, dt.time(hour), ZoneInfo(ZONE))

    return [
        Talk(201, "Graphene membranes (fictional)", at(10), 45, "Hall A", ["Ada Testova"]),
        Talk(202, "Fibre composites for aircraft (fictional)", at(14), 45, "Hall B"),
        Talk(203, "Ceramic coatings (fictional)", at(15), 30, "Hall A"),
    ]


SIDECAR = """
[sessions.202]
title.ru = "Композитные материалы для авиации (вымышленный доклад)"
title.zh = "航空复合材料（虚构报告）"
"""


async def test_programme_questions_in_three_languages(tmp_path: Path) -> None:
    source = write_programme(tmp_path / "programme", _talks(), sidecar=SIDECAR)
    async with running_bot(tmp_path, programme={"source": str(source)}) as bot:
        emulator = bot.emulator

        graphene = await ask(emulator, 7501, "when is the graphene talk")
        text = graphene.params["text"]
        assert HEADING["en"] in text and "Graphene membranes (fictional)" in text
        assert "10:00" in text and "Hall A" in text
        assert "Ceramic" not in text and "pg:s:201" in callbacks(graphene)

        composites = await ask(emulator, 7502, "где доклад про композиты", language_code="ru")
        text = composites.params["text"]
        assert HEADING["ru"] in text and "Композитные материалы для авиации" in text
        assert "Hall B" in text and "Graphene" not in text

        afternoon = await ask(emulator, 7503, "下午有什么报告", language_code="zh-hans")
        text = afternoon.params["text"]
        assert HEADING["zh"] in text
        assert "航空复合材料" in text and "Ceramic coatings" in text
        assert "Graphene" not in text  # the morning's

        hall = await ask(emulator, 7504, "what's in Hall B at 14:00")
        text = hall.params["text"]
        assert "Fibre composites for aircraft (fictional)" in text
        assert "Ceramic" not in text and "Graphene" not in text

        # A fact question is still the facts' (the article's chair), not the programme's.
        fact = await ask(emulator, 7505, "who is Azarov")
        assert HEADING["en"] not in fact.params["text"]
        assert "Azarov" in fact.params["text"]


async def test_without_a_programme_questions_go_to_the_facts(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        reply = await ask(bot.emulator, 7601, "when is the graphene talk")
        assert HEADING["en"] not in reply.params["text"]
