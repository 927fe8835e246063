"""Every command, end to end, in every language: the facts of the article, not just "a reply".

One bot process (with its own emulator) serves the whole module; each test uses its own users.
Expected values are written by hand from the source article.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.services import open_store
from tests.conftest import (
    ask,
    callbacks,
    markup_of,
    running_bot,
)
from tgemu import BotApiEmulator, Call

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

LANGUAGES = {"ru": "ru-RU", "zh": "zh-hans", "en": "en-US"}
# A user id per language; tests add their own offset so they never share a chat.
BASE_USER = {"ru": 410_000, "zh": 420_000, "en": 430_000}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotApiEmulator]:
    """One emulator and one bot for the module."""
    async with running_bot(tmp_path_factory.mktemp("commands")) as process:
        yield process.emulator


async def replies(emulator: BotApiEmulator, user_id: int, text: str, language: str) -> list[Call]:
    """Every call the bot made for one message, once it has gone quiet; all must have succeeded."""
    since = len(emulator.calls())
    emulator.push_message(user_id, text, language_code=LANGUAGES[language])
    await emulator.wait_for_call("sendMessage", chat_id=user_id, since=since)
    await emulator.wait_until_idle(quiet=0.1)
    calls = [c for c in emulator.calls(since=since) if c.method != "getUpdates"]
    assert all(c.ok for c in calls), [(c.method, c.status, c.error) for c in calls]
    return [c for c in calls if c.method == "sendMessage"]


async def command(emulator: BotApiEmulator, language: str, offset: int, text: str) -> Call:
    """Send `text` as a fresh user of `language` and return the single reply."""
    sent = await replies(emulator, BASE_USER[language] + offset, text, language)
    assert len(sent) == 1, [c.params["text"] for c in sent]
    assert sent[0].params.get("parse_mode") == "HTML"
    return sent[0]


def assert_facts(text: str, facts: list[str]) -> None:
    missing = [fact for fact in facts if fact not in text]
    assert not missing, f"missing {missing} in:\n{text}"


START_FACTS = {
    "ru": ["Здравствуйте", "9 сентября 2020", "Нанкин", "/help"],
    "zh": ["您好", "2020年9月9日", "南京", "/help"],
    "en": ["Hello", "9 September 2020", "Nanjing", "/help"],
}
MAIN_MENU = [
    "card:about",
    "card:speakers",
    "card:organizers",
    "card:org:jitri",
    "card:search_tips",
    "card:language",
    "sub:on",
]
MENU_LABELS = {
    "ru": [
        "О конференции",
        "Спикеры",
        "Организаторы",
        "JITRI",
        "Как искать",
        "Язык",
        "Подписаться",
    ],
    "zh": ["会议简介", "发言人", "主办方", "JITRI", "如何搜索", "语言", "订阅"],
    "en": ["About", "Speakers", "Organizers", "JITRI", "How to search", "Language", "Subscribe"],
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_start_greets_with_the_main_menu(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 1, "/start")
    assert_facts(call.params["text"], START_FACTS[language])
    assert callbacks(call) == MAIN_MENU
    labels = [button["text"] for row in markup_of(call) for button in row]
    for label, expected in zip(labels, MENU_LABELS[language], strict=True):
        assert expected in label


HELP_COMMANDS = [
    "/start",
    "/about",
    "/speakers",
    "/organizers",
    "/jitri",
    "/org",
    "/interview",
    "/search",
    "/contacts",
    "/source",
    "/lang",
    "/help",
]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_help_lists_every_command_with_a_description(
    live: BotApiEmulator, language: str
) -> None:
    text = (await command(live, language, 2, "/help")).params["text"]
    lines = {line.split(" — ", 1)[0]: line for line in text.splitlines() if " — " in line}
    for name in HELP_COMMANDS:
        assert name in lines, f"{name} missing from /help:\n{text}"
        assert len(lines[name].split(" — ", 1)[1].strip()) >= 2


ABOUT_FACTS = {
    "ru": [
        "9 сентября 2020",
        "Нанкин",
        "Цзянсу",
        "Пекин",
        "Москв",
        "Прямая трансляция",
        "Недели России",
        "CIEP-2020",
        "2020–2021",
        "Годы научно-технического и инновационного сотрудничества",
        "технологические достижения",
        "кадрового обмена",
        "Цзянсуский исследовательский институт промышленных технологий",
        "Международный союз приборостроителей",
        "Китайский международный центр по обмену экспертами",
    ],
    "zh": [
        "2020年9月9日",
        "南京",
        "江苏",
        "北京",
        "莫斯科",
        "视频连线",
        "直播",
        "俄罗斯周",
        "CIEP-2020",
        "2020—2021年",
        "中俄科技创新年",
        "江苏省产业技术研究院",
        "中国国际专家交流中心",
    ],
    "en": [
        "9 September 2020",
        "Nanjing",
        "Jiangsu",
        "Beijing",
        "Moscow",
        "video link",
        "live stream",
        "Russia Week",
        "CIEP-2020",
        "2020–2021",
        "Years of Scientific, Technical and Innovation Cooperation",
        "technological achievements",
        "exchange of personnel",
        "Jiangsu Industrial Technology Research Institute",
        "International Union of Instrument Engineers",
        "China International Centre for Exchange of Experts",
    ],
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_about_tells_what_when_where_how_and_why(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 3, "/about")
    assert_facts(call.params["text"], ABOUT_FACTS[language])
    assert {"card:speakers", "card:organizers", "card:source"} <= set(callbacks(call))


SPEAKER_FACTS = {
    "ru": [
        "Ху Идун",
        "председатель",
        "Секретарь парткома",
        "Лю Юнчжи",
        "Инспектор",
        "Го Липин",
        "Заместитель начальника Департамента науки и техники провинции Цзянсу",
        "Олег Азаров",
        "Консул по науке и технике",
    ],
    "zh": [
        "Hu Yidong",
        "主持人",
        "党委书记",
        "Liu Yongzhi",
        "Guo Liping",
        "奥列格·阿扎罗夫",
    ],
    "en": [
        "Hu Yidong",
        "chair",
        "Secretary of the Party Committee",
        "Liu Yongzhi",
        "Inspector",
        "Guo Liping",
        "Deputy Director",
        "Oleg Azarov",
        "Consul for Science and Technology",
    ],
}
PEOPLE = [
    "card:person:hu-yidong",
    "card:person:liu-yongzhi",
    "card:person:guo-liping",
    "card:person:oleg-azarov",
]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_speakers_with_positions_and_buttons(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 4, "/speakers")
    text = call.params["text"]
    assert_facts(text, SPEAKER_FACTS[language])
    assert text.index(SPEAKER_FACTS[language][0]) < text.index(SPEAKER_FACTS[language][-2]), (
        "the chair comes first"
    )
    assert [c for c in callbacks(call) if c.startswith("card:person:")] == PEOPLE
    if language != "ru":
        # A list and its buttons name people without the Russian original (issue 25); the
        # person's own card keeps it.
        names = re.findall(r"<b>(.*?)</b>", text)
        labels = [b["text"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
        assert not re.search(r"[\u0400-\u04ff]", " ".join(names + labels)), (names, labels)


ORGANIZER_FACTS = {
    "ru": [
        "Китайский международный центр по обмену экспертами",
        "Международный союз приборостроителей и специалистов по информационным"
        " и телекоммуникационным технологиям",
        "Цзянсуский исследовательский институт промышленных технологий",
    ],
    "zh": [
        "中国国际专家交流中心",
        "国际仪器制造者及信息与电信技术专家联盟",
        "江苏省产业技术研究院",
    ],
    "en": [
        "China International Centre for Exchange of Experts",
        "International Union of Instrument Engineers and Specialists"
        " in Information and Telecommunication Technologies",
        "Jiangsu Industrial Technology Research Institute",
    ],
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_organizers_are_the_three(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 5, "/organizers")
    assert_facts(call.params["text"], ORGANIZER_FACTS[language])
    orgs = [c for c in callbacks(call) if c.startswith("card:org:")]
    assert orgs == ["card:org:expert-exchange-center", "card:org:msp-itt", "card:org:jitri"]


ORG_HEADER = {
    "ru": "Все организации, названные в статье",
    "zh": "文章提到的全部机构",
    "en": "Every organization named in the article",
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_org_lists_every_organization(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 6, "/org")
    assert ORG_HEADER[language] in call.params["text"]
    # The article never says how many organizations took part (and the outlet did not).
    assert not re.search(r"\d", call.params["text"]), call.params["text"]
    orgs = [c for c in callbacks(call) if c.startswith("card:org:")]
    assert len(orgs) == 10
    for org in ("jitri", "msp-itt", "consulate-shanghai", "russian-cci", "yangtze-new-materials"):
        assert f"card:org:{org}" in orgs


# Figures as each language writes them (wording.i18n.Translator.number): the same values.
JITRI_FIGURES = {
    "ru": ["более 30", "более 80", "8\u00a0000", "более 800", "более 15\u00a0000"],
    "zh": ["30多", "80多", "8000", "800多", "15000多"],
    "en": ["more than 30", "more than 80", "8,000", "more than 800", "more than 15,000"],
}
SMALL_FIGURES = ["51", "<b>8</b>", "<b>4</b>", "55", "140", "134", "lily@jitri.org"]
JITRI_FACTS = {
    "ru": [
        "Цзянсуский исследовательский институт промышленных технологий",
        "декабрь 2013",
        "Ху Идун",
    ],
    "zh": ["江苏省产业技术研究院", "2013年12月", "Hu Yidong"],
    "en": ["Jiangsu Industrial Technology Research Institute", "December 2013", "Hu Yidong"],
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_jitri_profile_has_all_its_figures(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 7, "/jitri")
    assert_facts(
        call.params["text"], SMALL_FIGURES + JITRI_FIGURES[language] + JITRI_FACTS[language]
    )
    assert "card:person:hu-yidong" in callbacks(call)


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("en", "jitri"),
        ("en", "JITRI"),
        ("ru", "Цзянсуский"),
        ("zh", "江苏"),
        ("ru", "江苏"),
        ("en", "Jiangsu Industrial"),
        ("zh", "江苏产研院"),
    ],
)
async def test_org_by_any_name_opens_jitri(live: BotApiEmulator, language: str, name: str) -> None:
    user = BASE_USER[language] + 100 + len(name) + (7 if name.isupper() else 0)
    sent = await replies(live, user, f"/org {name}", language)
    facts = [JITRI_FIGURES[language][2], JITRI_FIGURES[language][4], *JITRI_FACTS[language][:2]]
    assert_facts(sent[0].params["text"], facts)


async def test_org_by_a_shared_word_offers_the_others(live: BotApiEmulator) -> None:
    sent = await replies(live, BASE_USER["en"] + 200, "/org 江苏", "en")
    assert len(sent) == 2
    assert "Jiangsu Industrial Technology Research Institute" in sent[0].params["text"]
    assert "江苏" in sent[1].params["text"]
    others = callbacks(sent[1])
    assert "card:org:jiangsu-sci-tech-dept" in others
    assert "card:org:jitri" not in others


async def test_org_by_short_name_of_another_organization(live: BotApiEmulator) -> None:
    call = await command(live, "ru", 201, "/org МСП ИТТ")
    assert "Международный союз приборостроителей" in call.params["text"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_org_unknown_name_offers_the_list(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 8, "/org Gazprom")
    assert "Gazprom" in call.params["text"]
    assert "card:org:jitri" in callbacks(call)


INTERVIEW_FACTS = {
    "ru": ["Ху Идун", "«Дыхание Китая»", "пандемии", "в ногу со временем", "Россией"],
    "zh": ["Hu Yidong", "Дыхание Китая", "疫情", "与时俱进", "俄罗斯"],
    "en": ["Hu Yidong", "Breath of China", "pandemic", "keeps pace with the times", "Russia"],
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_interview(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 9, "/interview")
    assert_facts(call.params["text"], INTERVIEW_FACTS[language])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_contacts(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 10, "/contacts")
    assert_facts(call.params["text"], ["lily@jitri.org", "JITRI"])


SOURCE_FACTS = {
    "ru": ["Инновации для практики", "8 октября 2020", "«Дыхание Китая»", "В Нанкине прошла"],
    "zh": ["面向实践的创新", "2020年10月8日", "Дыхание Китая"],
    "en": ["Innovations for Practice", "8 October 2020", "Breath of China", "Дыхание Китая"],
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_source(live: BotApiEmulator, language: str) -> None:
    call = await command(live, language, 11, "/source")
    text = call.params["text"]
    assert_facts(text, SOURCE_FACTS[language])
    assert ".." not in text


@pytest.mark.parametrize(
    ("payload", "facts"),
    [
        ("about", ["9 September 2020", "Moscow"]),
        ("speakers", ["Oleg Azarov", "Guo Liping"]),
        ("organizers", ["China International Centre for Exchange of Experts"]),
        ("orgs", ["Every organization named in the article"]),
        ("interview", ["pandemic"]),
        ("contacts", ["lily@jitri.org"]),
        ("source", ["Innovations for Practice"]),
        ("help", ["/jitri", "/contacts"]),
        ("search_tips", ["/search"]),
        ("language", ["English", "Русский", "中文"]),
        ("org-jitri", ["8,000", "December 2013"]),
        ("org-consulate-shanghai", ["Consulate General of Russia in Shanghai"]),
        ("person-hu-yidong", ["Hu Yidong", "Secretary of the Party Committee"]),
        ("person-oleg-azarov", ["Oleg Azarov", "Consul"]),
    ],
)
async def test_deep_links_open_cards(live: BotApiEmulator, payload: str, facts: list[str]) -> None:
    user = BASE_USER["en"] + 300 + sum(map(ord, payload))
    sent = await replies(live, user, f"/start {payload}", "en")
    assert len(sent) == 1
    labels = [button["text"] for row in markup_of(sent[0]) for button in row]
    assert_facts("\n".join([sent[0].params["text"], *labels]), facts)
    assert "Hello" not in sent[0].params["text"]


@pytest.mark.parametrize(
    "payload", ["nonsense", "org-", "org-nowhere", "person-nobody", "person", "welcome-x", "-"]
)
async def test_unknown_deep_links_fall_back_to_the_welcome(
    live: BotApiEmulator, payload: str
) -> None:
    user = BASE_USER["ru"] + 1300 + sum(map(ord, payload))
    sent = await replies(live, user, f"/start {payload}", "ru")
    assert len(sent) == 1
    assert_facts(sent[0].params["text"], START_FACTS["ru"])
    assert callbacks(sent[0]) == MAIN_MENU


async def test_card_buttons_edit_the_message_in_place(live: BotApiEmulator) -> None:
    user = BASE_USER["en"] + 400
    menu = await command(live, "en", 400, "/start")
    message_id = menu.result["message_id"]
    for data, fact in [
        ("card:about", "9 September 2020"),
        ("card:person:hu-yidong", "Secretary of the Party Committee"),
        ("card:org:jitri", "more than 15,000"),
        ("card:welcome", "Hello"),
    ]:
        since = len(live.calls())
        live.push_callback(user, data, message_id=message_id, language_code="en-US")
        edit = await live.wait_for_call("editMessageText", chat_id=user, since=since)
        assert edit.ok, edit.error
        assert fact in edit.params["text"]
        answer = await live.wait_for_call("answerCallbackQuery", since=since)
        assert answer.ok
    await live.wait_until_idle(quiet=0.1)
    messages = live.sent_messages(user)
    assert len(messages) == 1 and messages[0]["edited"]


async def test_pressing_the_same_card_twice_makes_no_failing_call(live: BotApiEmulator) -> None:
    user = BASE_USER["zh"] + 401
    menu = await command(live, "zh", 401, "/about")
    since = len(live.calls())
    live.push_callback(user, "card:about", message_id=menu.result["message_id"], language_code="zh")
    answer = await live.wait_for_call("answerCallbackQuery", since=since)
    await live.wait_until_idle(quiet=0.1)
    assert answer.ok
    calls = [c for c in live.calls(since=since) if c.method != "getUpdates"]
    assert all(c.ok for c in calls), [(c.method, c.error) for c in calls]
    assert not any(c.method == "sendMessage" for c in calls)


async def test_ask_helper_sees_the_default_language(live: BotApiEmulator) -> None:
    """A user whose Telegram language we do not speak gets the default (ru)."""
    call = await ask(live, 499_001, "/about", language_code="de")
    assert "9 сентября 2020" in call.params["text"]


async def test_every_indexed_card_key_opens(
    live: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each card the answer index points to (one key definition for both) opens as a card."""
    store = await open_store(tmp_path_factory.mktemp("index") / "index.sqlite3")
    try:
        rows = await store.connection.execute_fetchall("SELECT DISTINCT card FROM answer_units")
    finally:
        await store.close()
    keys = sorted(str(row[0]) for row in rows)
    assert {"about", "interview", "contacts", "source", "org:jitri", "person:hu-yidong"} <= set(
        keys
    )
    user = BASE_USER["en"] + 402
    menu = await command(live, "en", 402, "/start")
    for key in keys:
        since = len(live.calls())
        live.push_callback(
            user, f"card:{key}", message_id=menu.result["message_id"], language_code="en"
        )
        answer = await live.wait_for_call("answerCallbackQuery", since=since)
        await live.wait_until_idle(quiet=0.05)
        assert answer.ok and not answer.params.get("show_alert"), (key, answer.params)
        shown = [
            c for c in live.calls(since=since) if c.method in ("editMessageText", "sendMessage")
        ]
        assert shown and all(c.ok for c in shown), key


# --- the audit of every reply against the article (issue #9) ---------------------------------

QUOTATION_MARKS = "«»“”„「」『』\"'"
REPORTED = {"ru": "пересказ", "zh": "转述", "en": "article reports it"}
# The verbatim wording of the article for the statement the bot had reworded in quotes.
SUMMIT_AMID_PANDEMIC = {
    "ru": "Организация нынешнего саммита в условиях пандемии стала свидетельством высокого уровня"
    " двустороннего всеобъемлющего стратегического партнерства в новую эпоху.",
    "zh": "全面战略协作伙伴关系",
    "en": "Organizing this summit amid the pandemic",
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_interview_is_reported_speech_not_quotes(live: BotApiEmulator, language: str) -> None:
    text = (await command(live, language, 12, "/interview")).params["text"]
    assert_facts(text, [REPORTED[language], SUMMIT_AMID_PANDEMIC[language], "Дыхание Китая"])
    statements = [line.removeprefix("• ") for line in text.splitlines() if line.startswith("• ")]
    assert len(statements) == 4, text
    for statement in statements:
        assert statement[0] not in QUOTATION_MARKS, statement
        assert statement.rstrip(".。")[-1] not in QUOTATION_MARKS, statement


QUOTE_WORD = {"ru": "цитат", "zh": "引文", "en": "quote"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_source_does_not_call_the_statements_quotes(
    live: BotApiEmulator, language: str
) -> None:
    text = (await command(live, language, 13, "/source")).params["text"]
    assert QUOTE_WORD[language] not in text.lower(), text
    assert REPORTED[language] in text, text


INTERVIEW_WORD = {"ru": "интервью", "zh": "专访", "en": "interview"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_hu_yidong_card_mentions_the_interview_once(
    live: BotApiEmulator, language: str
) -> None:
    call = await command(live, language, 14, "/start person-hu-yidong")
    assert call.params["text"].lower().count(INTERVIEW_WORD[language]) == 1, call.params["text"]
    assert "card:interview" in callbacks(call)


ALL_CARDS = [
    *("about", "speakers", "organizers", "orgs", "interview", "contacts", "source"),
    *("help", "search_tips", "language"),
    *(f"org-{org}" for org in ("expert-exchange-center", "msp-itt", "jitri")),
    *(f"org-{org}" for org in ("jiangsu-sci-tech-dept", "consulate-shanghai", "russian-cci")),
    *(f"org-{org}" for org in ("jiangsu-foreign-experts", "jiangsu-foreign-affairs")),
    *(f"org-{org}" for org in ("yangtze-new-materials", "dykhanie-kitaya")),
    *(f"person-{person}" for person in ("hu-yidong", "liu-yongzhi", "guo-liping", "oleg-azarov")),
]
CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
HALF_WIDTH_NEXT_TO_CJK = re.compile(rf"{CJK} *[()\[\],;:!?]|[()\[\],;:!?] *{CJK}")


async def _every_card(live: BotApiEmulator, language: str, offset: int) -> list[str]:
    """Every card's text and button labels in `language`, one fresh user per card."""
    shown = []
    for index, payload in enumerate(ALL_CARDS):
        call = await command(live, language, offset + index, f"/start {payload}")
        labels = [button["text"] for row in markup_of(call) for button in row]
        shown.append("\n".join([re.sub(r"<[^>]+>", "", call.params["text"]), *labels]))
    return shown


async def test_chinese_cards_typography(live: BotApiEmulator) -> None:
    for shown in await _every_card(live, "zh", 2000):
        match = HALF_WIDTH_NEXT_TO_CJK.search(shown)
        assert not match, f"{match.group()!r} in:\n{shown}"
        assert "俄中" not in shown, shown
        assert "МСП ИТТ联盟" not in shown, shown


async def test_english_cards_house_style(live: BotApiEmulator) -> None:
    shown = "\n\n".join(await _every_card(live, "en", 2000))
    assert not re.search(r"\bcenters?\b", shown, re.IGNORECASE)
    assert not re.search(r"\bthe Russia Week", shown, re.IGNORECASE)
    assert "MSP ITT" not in shown and "Mailbox" not in shown
    assert_facts(shown, ["Russia Week", "testing ground", "E-mail (JITRI): lily@jitri.org"])
    # Every mention of the outlet in a card's text carries its original name; a button (a
    # line of its own) names it without (issue 25: buttons too long to read on a phone).
    text = "\n".join(line for line in shown.splitlines() if line != "Breath of China")
    assert text.count("Breath of China") == text.count("Breath of China (Дыхание Китая)") > 0
    assert "\nBreath of China\n" in shown
