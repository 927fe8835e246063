"""The answer engine on a real SQLite file: units, kinds, keywords, reloads and the vocabulary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from answers.engine import AnswerEngine
from answers.heads import HeadFinder
from answers.units import derive_units
from answers.vocabulary import AnswerKind, load_vocabularies
from bot.services import answer_engine, open_store
from storage.content import ContentError, bundled_content_path, load_content
from storage.store import Store


@pytest.fixture
async def store(fresh_database: Path) -> AsyncIterator[Store]:
    opened = await open_store(fresh_database)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def engine(store: Store) -> AnswerEngine:
    return answer_engine(store)


def content_copy(tmp_path: Path, old: str = "", new: str = "") -> Path:
    path = tmp_path / "content.toml"
    text = bundled_content_path().read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_every_statement_of_the_content_is_a_unit() -> None:
    content, _ = load_content()
    units = list(derive_units(content))
    event = content.event
    lines = len(event.context) + len(event.format) + len(event.presented)
    lines += len(event.other_participants)
    jitri = content.organization("jitri")
    expected = (
        2  # the event's date and place
        + lines
        + len(content.organizations)  # name and role of each
        + 1  # JITRI's founding date
        + len(jitri.description)
        + len(jitri.figures)
        + 1  # the chair and speakers as one list
        + len(content.people)
        + len(content.statements)
        + len(content.contacts)
        + 1  # the source
    )
    assert len(units) == expected
    figures = [u for u in units if u.form == "figure"]
    assert {u.fields["en"]["value"] for u in figures} >= {"8000", "800+", "15000+"}
    assert all(u.kinds == {AnswerKind.NUMBER} and u.card == "org:jitri" for u in figures)


@pytest.mark.parametrize(
    ("question", "lang", "kind", "form", "value"),
    [
        ("How many researchers?", "en", AnswerKind.NUMBER, "figure", "8000"),
        ("Когда основан институт JITRI?", "ru", AnswerKind.DATE, "year_month", "2013-12"),
        ("会议什么时候举行", "zh", AnswerKind.DATE, "date", "2020-09-09"),
        ("как связаться", "ru", AnswerKind.CONTACT, "contact", "lily@jitri.org"),
    ],
)
async def test_question_words_give_the_kind_and_rank_it_first(
    engine: AnswerEngine, question: str, lang: str, kind: AnswerKind, form: str, value: str
) -> None:
    answer = await engine.ask(question, lang)
    assert kind in answer.kinds
    assert answer.best is not None
    shown = [answer.best, *answer.others]
    assert answer.best.form == form, shown
    assert any(value in fact.fields.values() for fact in shown)


async def test_stems_meet_other_forms_and_matched_words_are_marked(engine: AnswerEngine) -> None:
    answer = await engine.ask("стартапов", "ru")
    assert answer.best is not None
    marked = [s for s, bold in answer.best.marks["label"] if bold]
    assert marked == ["стартапы"]


@pytest.mark.slow
async def test_per_fact_keywords_are_searched(tmp_path: Path) -> None:
    """A keyword in the content file makes its fact answer a word the article never uses."""
    before = await open_store(tmp_path / "a.sqlite3")
    try:
        answer = await answer_engine(before).ask("headcount", "en")
        assert answer.best is None or answer.best.fields.get("value") != "8000"
    finally:
        await before.close()
    label = 'label = { ru = "научно-исследовательские сотрудники JITRI"'
    path = content_copy(tmp_path, label, f'keywords = ["headcount"]\n{label}')
    after = await open_store(tmp_path / "b.sqlite3", path)
    try:
        answer = await answer_engine(after).ask("headcount", "en")
        assert answer.best is not None and answer.best.fields["value"] == "8000"
    finally:
        await after.close()


def test_empty_keywords_are_refused(tmp_path: Path) -> None:
    label = 'label = { ru = "научно-исследовательские сотрудники JITRI"'
    path = content_copy(tmp_path, label, f'keywords = [" "]\n{label}')
    with pytest.raises(ContentError, match="keywords"):
        load_content(path)


@pytest.mark.slow
async def test_a_reloaded_content_file_is_answered_from_at_once(tmp_path: Path) -> None:
    path = content_copy(tmp_path)
    store = await open_store(tmp_path / "bot.sqlite3", path)
    engine = answer_engine(store)
    try:
        assert (await engine.ask("email", "en")).best is not None
        path.write_text(
            path.read_text(encoding="utf-8").replace("lily@jitri.org", "lily.new@jitri.org"),
            encoding="utf-8",
        )
        assert await store.reload_content() is True
        answer = await engine.ask("email", "en")
        assert answer.best is not None and answer.best.fields["value"] == "lily.new@jitri.org"
    finally:
        await store.close()


async def test_unknown_words_are_not_answered_but_suggest_cards(engine: AnswerEngine) -> None:
    answer = await engine.ask("xyzzyplugh", "en")
    assert answer.best is None and answer.cards == []
    answer = await engine.ask("lil", "en")  # too short to read, found as a word's start
    assert answer.best is None
    assert answer.suggestions == ["contacts"]


async def test_typos_are_corrected_and_reported(engine: AnswerEngine) -> None:
    answer = await engine.ask("Азорав", "ru")
    # The typed word case-folded; the word it was read as spelled as the content writes it.
    assert answer.corrections == [("азорав", "Азаров")]
    assert answer.best is not None and answer.best.card == "person:oleg-azarov"


@pytest.mark.parametrize(
    ("question", "lang", "typed", "meant"),
    [
        # The answering fact does not spell the name: its spelling comes from the content.
        ("jitrri有多少科研人员", "zh", "jitrri", "JITRI"),
        ("Azarof", "ru", "azarof", "Azarov"),
        ("Azarof", "zh", "azarof", "Azarov"),
        ("Moskow", "en", "moskow", "Moscow"),
    ],
)
async def test_a_corrected_word_is_spelled_as_the_content_writes_it(
    engine: AnswerEngine, question: str, lang: str, typed: str, meant: str
) -> None:
    answer = await engine.ask(question, lang)
    assert answer.corrections == [(typed, meant)]


def test_vocabularies_validate_and_have_a_stable_digest() -> None:
    first, digest = load_vocabularies()
    assert set(first) == {"ru", "zh", "en"}
    for vocabulary in first.values():
        kinds = {kind for _, kind in vocabulary.questions.phrases() if kind}
        assert {AnswerKind.NUMBER, AnswerKind.DATE, AnswerKind.PLACE, AnswerKind.PERSON} <= kinds
    assert load_vocabularies()[1] == digest


@pytest.mark.parametrize(
    ("label", "lang", "head"),
    [
        (
            "высокотехнологичные стартапы, работающие под эгидой JITRI",
            "ru",
            ["высокотехнологичн", "стартап"],
        ),
        ("компании, которым эти стартапы предоставляют свои услуги", "ru", ["компан"]),
        ("companies to which these startups provide their services", "en", ["compani"]),
        ("бизнес-инкубаторы за рубежом", "ru", ["бизнесинкубатор"]),
        (
            "вузы и научно-исследовательские учреждения Китая",
            "ru",
            ["вуз", "научноисследовательск", "учрежден", "кит"],
        ),
        ("接受这些初创企业服务的公司", "zh", ["公司"]),
        ("在研究院支持下运营的高科技初创企业", "zh", ["高科技", "初创企业"]),
    ],
)
async def test_a_labels_head_is_what_it_counts(
    engine: AnswerEngine, label: str, lang: str, head: list[str]
) -> None:
    """Head first in Russian and English (up to punctuation or a function word), last in Chinese."""
    index = await engine._load()
    finder = HeadFinder(index.analyzer, load_vocabularies()[0][lang])
    found = finder.head(label, frozenset())
    assert len(found) == len(head), found
    assert all(term in terms for term, (terms, _) in zip(head, found, strict=True)), found


@pytest.mark.parametrize(
    ("question", "lang", "value"),
    [
        ("сколько стартапов", "ru", "800+"),
        ("how many startups", "en", "800+"),
        ("有多少初创企业", "zh", "800+"),
        ("сколько компаний обслуживают стартапы", "ru", "15000+"),
        ("how many companies do the startups serve", "en", "15000+"),
        ("初创企业为多少家公司提供服务", "zh", "15000+"),
    ],
)
async def test_the_figure_counting_the_asked_thing_comes_first(
    engine: AnswerEngine, question: str, lang: str, value: str
) -> None:
    answer = await engine.ask(question, lang)
    assert answer.best is not None and answer.best.fields["value"] == value, answer


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("кто организовал конференцию", "ru"),
        ("who organized the conference", "en"),
        ("谁主办了会议", "zh"),
    ],
)
async def test_who_organized_is_answered_by_the_organizers(
    engine: AnswerEngine, question: str, lang: str
) -> None:
    answer = await engine.ask(question, lang)
    shown = [answer.best, *answer.others]
    assert all(f is not None and f.form == "organization" for f in shown), shown
    assert len({f.card for f in shown if f}) == 3


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("как связаться с организаторами", "ru"),
        ("how can I contact the organizers", "en"),
        ("怎么联系主办方", "zh"),
    ],
)
async def test_the_organizers_contact_is_their_e_mail(
    engine: AnswerEngine, question: str, lang: str
) -> None:
    answer = await engine.ask(question, lang)
    assert answer.best is not None and answer.best.fields.get("value") == "lily@jitri.org"


@pytest.mark.parametrize(
    ("question", "lang"),
    [("что такое JITRI", "ru"), ("what is JITRI", "en"), ("江苏产研院是什么", "zh")],
)
async def test_what_is_gets_the_description_then_the_name(
    engine: AnswerEngine, question: str, lang: str
) -> None:
    answer = await engine.ask(question, lang)
    assert answer.best is not None and answer.best.form == "text"
    assert answer.best.card == "org:jitri"
    assert answer.others and answer.others[0].form == "organization"
    assert answer.others[0].card == "org:jitri"


@pytest.mark.parametrize(
    ("question", "lang", "text"),
    [
        # The English of the fact says "work in"; its Russian and Chinese name the fields.
        ("what fields do the research units cover", "en", "biomedicine"),
        ("in what sectors do the specialist units work", "en", "biomedicine"),
        # A fact saying the word in all three languages does not outrank one saying it in one.
        ("в каких областях работают подразделения JITRI", "ru", "биомедицины"),
        ("в каких сферах работают исследовательские подразделения", "ru", "биомедицины"),
        ("专业研究所覆盖什么方向", "zh", "生物医药"),
        # The Chinese of the fact says "innovation year" only; cooperation is in the others.
        ("科技创新合作年", "zh", "2020—2021"),
        ("中俄科技合作年", "zh", "2020—2021"),
        ("years of innovation cooperation between Russia and China", "en", "2020–2021"),
        # Showing is demonstrating: the statement that says so comes first.
        ("что показали участники", "ru", "продемонстрировали"),
        ("what was showcased at the conference", "en", "demonstrated"),
        ("会上展示了什么", "zh", "技术成果"),
    ],
)
async def test_words_of_one_meaning_meet_in_every_language(
    engine: AnswerEngine, question: str, lang: str, text: str
) -> None:
    answer = await engine.ask(question, lang)
    assert answer.best is not None
    assert text in answer.best.fields["text"], [answer.best, *answer.others]


def test_every_meaning_is_named_in_every_vocabulary() -> None:
    """A meaning missing from one language would link nothing for its readers."""
    vocabularies, _ = load_vocabularies()
    names = [set(vocabulary.meanings) for vocabulary in vocabularies.values()]
    assert names[0] and all(n == names[0] for n in names)
    for vocabulary in vocabularies.values():
        assert all(vocabulary.meanings.values())


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # A question phrase whose characters straddle two words asks nothing of its own.
        ("研究所在哪些领域工作", AnswerKind.PLACE),
        ("人才在哪些方面", AnswerKind.PLACE),
        ("很多大学参加了吗", AnswerKind.NUMBER),
        ("个人数据", AnswerKind.NUMBER),
        ("多大学", AnswerKind.NUMBER),
    ],
)
async def test_a_chinese_question_phrase_across_a_word_boundary_is_not_read(
    engine: AnswerEngine, question: str, kind: AnswerKind
) -> None:
    answer = await engine.ask(question, "zh")
    assert kind not in answer.kinds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # The same phrases as words of their own still ask.
        ("会议在哪举行", AnswerKind.PLACE),
        ("会议在哪", AnswerKind.PLACE),
        ("会上有多少大学", AnswerKind.NUMBER),
        ("研究所有多少人", AnswerKind.NUMBER),
        ("主持人是谁", AnswerKind.PERSON),
        # One of the segmenter's own sub-words of a longer word.
        ("JITRI成立时间", AnswerKind.DATE),
    ],
)
async def test_a_chinese_question_phrase_as_its_own_word_is_read(
    engine: AnswerEngine, question: str, kind: AnswerKind
) -> None:
    answer = await engine.ask(question, "zh")
    assert kind in answer.kinds
