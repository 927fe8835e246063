"""The bundled content file: it loads, says everything the article says, and nothing is lost
in translation; broken content files fail with an error naming the entry and the problem.

The expectations below are written by hand from the source article "Инновации для практики"
(08.10.2020), never computed from the content file itself.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.content import (
    LANGUAGES,
    Content,
    ContentError,
    Localized,
    Organization,
    Person,
    bundled_content_path,
    load_content,
)

CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# A pinyin name followed by the Russian original, e.g. "Hu Yidong（Ху Идун）".
PINYIN_WITH_RUSSIAN = re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+（[\u0400-\u04ff ]+）$")


@pytest.fixture(scope="module")
def content() -> Content:
    loaded, _digest = load_content(bundled_content_path())
    return loaded


@pytest.fixture(scope="module")
def bundled_text() -> str:
    return bundled_content_path().read_text(encoding="utf-8")


# --- helpers --------------------------------------------------------------------------------


def _ru(texts: list[Localized]) -> str:
    return "\n".join(text.ru for text in texts)


def _org_named(content: Content, keyword: str) -> Organization:
    """The one organization whose Russian name contains `keyword`."""
    matches = [org for org in content.organizations if keyword in org.name.ru]
    assert len(matches) == 1, f"expected one organization named like {keyword!r}, got {matches}"
    return matches[0]


def _person_named(content: Content, name: str) -> Person:
    matches = [person for person in content.people if person.name.ru == name]
    assert len(matches) == 1, f"expected one person named {name!r}, got {matches}"
    return matches[0]


def _jitri(content: Content) -> Organization:
    return _org_named(content, "Цзянсуский исследовательский институт промышленных технологий")


def _mutated(tmp_path: Path, text: str, old: str, new: str) -> Path:
    """Write `text` with the single occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"mutation anchor {old!r} must occur exactly once"
    path = tmp_path / "content.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


# --- 1. it loads ----------------------------------------------------------------------------


def test_bundled_content_loads() -> None:
    loaded, digest = load_content(bundled_content_path())
    assert loaded.organizations
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_load_content_defaults_to_bundled_file(content: Content) -> None:
    loaded, _digest = load_content()
    assert loaded == content


# --- 2. numbers are the same in every language ----------------------------------------------


def test_numbers_identical_across_languages(content: Content) -> None:
    for path, text in content.localized_texts():
        numbers = {
            language: Counter(re.findall(r"\d+", text.get(language))) for language in LANGUAGES
        }
        assert numbers["zh"] == numbers["ru"], f"{path}: zh numbers differ from ru"
        assert numbers["en"] == numbers["ru"], f"{path}: en numbers differ from ru"


def test_jitri_figures_match_article(content: Content) -> None:
    values = [figure.value for figure in _jitri(content).figures]
    expected = ["51", "30+", "8", "4", "80+", "55", "8000", "140", "134", "800+", "15000+"]
    assert sorted(values) == sorted(expected)


def test_figure_labels_do_not_repeat_the_number(content: Content) -> None:
    for org in content.organizations:
        for figure in org.figures:
            for language in LANGUAGES:
                label = figure.label.get(language)
                assert not re.search(r"\d", label), f"{org.id} figure {figure.value}: {label!r}"


# --- 3. every fact of the article is present ------------------------------------------------

# Structured facts: (getter, expected value), compared with ==.
STRUCTURED_FACTS = [
    pytest.param(lambda c: c.source.date, dt.date(2020, 10, 8), id="source-date"),
    pytest.param(lambda c: c.source.title.ru, "Инновации для практики", id="source-title"),
    pytest.param(lambda c: c.event.date, dt.date(2020, 9, 9), id="event-date"),
    pytest.param(lambda c: _jitri(c).founded, "2013-12", id="jitri-founded"),
    pytest.param(lambda c: _jitri(c).id, "jitri", id="jitri-id"),
    pytest.param(
        lambda c: {(x.kind, x.value, x.organization) for x in c.contacts},
        {("email", "lily@jitri.org", "jitri")},
        id="contact-email",
    ),
    pytest.param(lambda c: c.contacts[0].label.ru, "Почтовый ящик", id="contact-label-mailbox"),
    pytest.param(lambda c: c.contacts[0].label.en, "E-mail", id="contact-label-en"),
    pytest.param(
        lambda c: sorted(org.id for org in c.organizations if "organizer" in org.roles),
        sorted(["expert-exchange-center", "msp-itt", "jitri"]),
        id="organizers-ids",
    ),
    pytest.param(
        lambda c: _org_named(c, "Дыхание Китая").roles, ["media"], id="media-dykhanie-kitaya"
    ),
    pytest.param(
        lambda c: {s.published_in for s in c.statements},
        {"dykhanie-kitaya"},
        id="statements-published-in-dykhanie-kitaya",
    ),
    pytest.param(
        lambda c: {s.person for s in c.statements}, {"hu-yidong"}, id="statements-by-hu-yidong"
    ),
    pytest.param(lambda c: len(c.people), 4, id="four-people"),
]


@pytest.mark.parametrize(("getter", "expected"), STRUCTURED_FACTS)
def test_structured_fact(
    content: Content, getter: Callable[[Content], object], expected: object
) -> None:
    assert getter(content) == expected


# Text facts: (where to look, Russian phrase that must occur there).
EVENT_TEXTS: list[tuple[str, Callable[[Content], str], str]] = [
    ("subtitle-nanjing", lambda c: c.source.subtitle.ru, "В Нанкине прошла"),
    ("subtitle-topic", lambda c: c.source.subtitle.ru, "в области новых материалов"),
    ("title-russian-chinese", lambda c: c.event.title.ru, "Российско-китайская конференция"),
    (
        "title-cooperation",
        lambda c: c.event.title.ru,
        "научно-техническому и инновационному сотрудничеству",
    ),
    ("title-new-materials", lambda c: c.event.title.ru, "новых материалов"),
    ("city-ru", lambda c: c.event.city.ru, "Нанкин"),
    ("city-zh", lambda c: c.event.city.zh, "南京"),
    ("city-en", lambda c: c.event.city.en, "Nanjing"),
    ("province-ru", lambda c: c.event.province.ru, "Цзянсу"),
    ("province-zh", lambda c: c.event.province.zh, "江苏"),
    ("context-russia-week", lambda c: _ru(c.event.context), "Недели России"),
    ("context-guest-of-honour", lambda c: _ru(c.event.context), "почётного гостя"),
    ("context-18th", lambda c: _ru(c.event.context), "18-й"),
    ("context-ciep-2020", lambda c: _ru(c.event.context), "CIEP-2020"),
    ("context-exhibition", lambda c: _ru(c.event.context), "выставки"),
    ("context-exchange-professionals", lambda c: _ru(c.event.context), "обмену профессионалами"),
    ("context-years-2020-2021", lambda c: _ru(c.event.context), "2020–2021"),
    (
        "context-years-of-cooperation",
        lambda c: _ru(c.event.context),
        "Годы научно-технического и инновационного сотрудничества",
    ),
    ("format-main-venue-nanjing", lambda c: _ru(c.event.format), "Нанкин"),
    ("format-beijing", lambda c: _ru(c.event.format), "Пекин"),
    ("format-moscow", lambda c: _ru(c.event.format), "Москв"),
    ("format-video-link", lambda c: _ru(c.event.format), "видеосвяз"),
    ("format-live-stream", lambda c: _ru(c.event.format), "трансляц"),
    ("format-anywhere", lambda c: _ru(c.event.format), "любой точки мира"),
    ("presented-achievements", lambda c: _ru(c.event.presented), "технологические достижения"),
    (
        "presented-in-depth-cooperation",
        lambda c: _ru(c.event.presented),
        "углублённого научно-технического сотрудничества",
    ),
    ("presented-personnel-exchange", lambda c: _ru(c.event.presented), "кадрового обмена"),
    (
        "others-government-bodies",
        lambda c: _ru(c.event.other_participants),
        "правительственных структур Китая и России",
    ),
    ("others-public", lambda c: _ru(c.event.other_participants), "общественности"),
    ("others-education", lambda c: _ru(c.event.other_participants), "образования"),
    ("others-finance", lambda c: _ru(c.event.other_participants), "финансов"),
]

# (test id, phrase) pairs.
JITRI_DESCRIPTION = [
    ("experimental-field", "экспериментальным полем"),
    ("sci-tech-base", "научно-технической базы Китая"),
    ("linking-role", "связующего звена"),
    ("into-production", "внедрением в производство"),
    ("world-innovations-to-jiangsu", "мировых инновационных разработок в провинции Цзянсу"),
    ("ecosystem", "экосистем"),
    ("talent", "высококвалифицированные кадры"),
    ("investment", "инвестиции"),
    ("business-space", "бизнес-пространство"),
    ("leading-enterprises", "ведущими профильными предприятиями"),
    ("field-new-materials", "новых материалов"),
    ("field-energy-ecology", "энергии и экологии"),
    ("field-it", "информационных технологий"),
    ("field-equipment", "производства оборудования"),
    ("field-biomedicine", "биомедицины"),
    ("market-oriented", "ориентированная на рынок"),
    ("innovation-resources", "инновационные ресурсы"),
    ("demand-research", "исследования спроса"),
    ("enterprises-universities", "предприятия, вузы и исследовательские учреждения"),
]

STATEMENTS = [
    ("years-of-cooperation", "Годы научно-технического и инновационного сотрудничества"),
    ("year-2020", "2020"),
    ("year-2021", "2021"),
    ("pandemic", "пандеми"),
    ("comprehensive-strategic", "всеобъемлющего стратегическ"),
    ("new-era", "новую эпоху"),
    ("pace-with-times", "в ногу со временем"),
    ("development-trends", "тенденциям развития"),
    ("cooperation-with-russia", "сотрудничества с Россией"),
    ("deepen-interaction", "углублять взаимодействие"),
    ("russian-organizations", "профильными организациями России"),
    ("joint-innovation", "совместную инновационную деятельность"),
]


@pytest.mark.parametrize(
    ("getter", "phrase"),
    [pytest.param(getter, phrase, id=name) for name, getter, phrase in EVENT_TEXTS]
    + [
        pytest.param(lambda c: _ru(_jitri(c).description), phrase, id=f"jitri-{slug}")
        for slug, phrase in JITRI_DESCRIPTION
    ]
    + [
        pytest.param(lambda c: _ru([s.text for s in c.statements]), phrase, id=f"said-{slug}")
        for slug, phrase in STATEMENTS
    ],
)
def test_text_fact(content: Content, getter: Callable[[Content], str], phrase: str) -> None:
    assert phrase in getter(content)


# (test id, keyword of the Russian name, role).
ORGANIZATIONS = [
    ("expert-exchange-center", "Китайский международный центр по обмену экспертами", "organizer"),
    (
        "msp-itt",
        "Международный союз приборостроителей и специалистов по информационным",
        "organizer",
    ),
    ("jitri", "Цзянсуский исследовательский институт промышленных технологий", "organizer"),
    ("jiangsu-sci-tech-dept", "Департамент науки и техники провинции Цзянсу", "participant"),
    ("consulate-shanghai", "Генеральное консульство России в Шанхае", "participant"),
    (
        "jiangsu-foreign-experts",
        "Управление по делам иностранных специалистов провинции Цзянсу",
        "participant",
    ),
    ("jiangsu-foreign-affairs", "Канцелярия по иностранным делам провинции Цзянсу", "participant"),
    ("russian-cci", "Торгово-промышленная палата России", "participant"),
    ("yangtze-new-materials", "Институт новых материалов региона дельты Янцзы", "participant"),
    ("dykhanie-kitaya", "Дыхание Китая", "media"),
]


@pytest.mark.parametrize(
    ("keyword", "role"), [pytest.param(k, r, id=slug) for slug, k, r in ORGANIZATIONS]
)
def test_organization_present(content: Content, keyword: str, role: str) -> None:
    assert role in _org_named(content, keyword).roles


def test_short_names(content: Content) -> None:
    msp_itt = _org_named(content, "Международный союз приборостроителей")
    assert msp_itt.short_name is not None
    assert msp_itt.short_name.ru == "МСП ИТТ"
    jitri = _jitri(content)
    assert jitri.short_name is not None
    assert jitri.short_name.ru == "JITRI"
    assert "JITRI" in jitri.aliases


# (test id, Russian name, role, position keyword, keyword of the organization's name).
PEOPLE = [
    (
        "hu-yidong",
        "Ху Идун",
        "chair",
        "секретарь парткома",
        "Цзянсуский исследовательский институт",
    ),
    ("liu-yongzhi", "Лю Юнчжи", "speaker", "инспектор", "по обмену экспертами"),
    ("guo-liping", "Го Липин", "speaker", "заместитель начальника", "Департамент науки и техники"),
    (
        "oleg-azarov",
        "Олег Азаров",
        "speaker",
        "консул по науке и технике",
        "консульство России в Шанхае",
    ),
]


@pytest.mark.parametrize(
    ("name", "role", "position", "organization"), [pytest.param(*p[1:], id=p[0]) for p in PEOPLE]
)
def test_person_present(
    content: Content, name: str, role: str, position: str, organization: str
) -> None:
    person = _person_named(content, name)
    assert person.role == role
    assert position in person.position.ru.lower()
    assert organization in content.organization(person.organization).name.ru


FIGURE_LABELS = [
    ("51", "зарубежные"),
    ("30+", "вузы и научно-исследовательские учреждения Китая"),
    ("8", "зарубежные платформы сотрудничества"),
    ("4", "бизнес-инкубаторы за рубежом"),
    ("80+", "совместные инновационные центры"),
    ("55", "профильные научно-исследовательские подразделения"),
    ("8000", "научно-исследовательские сотрудники"),
    ("140", "проектные менеджеры"),
    ("134", "заслуженные исследователи"),
    ("800+", "высокотехнологичные стартапы"),
    ("15000+", "компании"),
]


@pytest.mark.parametrize(
    ("value", "label"), [pytest.param(v, lbl, id=f"figure-{v}") for v, lbl in FIGURE_LABELS]
)
def test_jitri_figure_label(content: Content, value: str, label: str) -> None:
    figures = {figure.value: figure.label.ru for figure in _jitri(content).figures}
    assert label in figures[value]


# --- 4. each language really is that language -----------------------------------------------


def _is_person_name(content: Content, path: str) -> bool:
    return any(
        path == f"content.people[{p}][{person.id}].name" for p, person in enumerate(content.people)
    )


def test_chinese_texts_are_chinese(content: Content) -> None:
    for path, text in content.localized_texts():
        if path.endswith(".short_name") and text.zh == text.en:
            continue  # a Latin abbreviation such as "JITRI" is the same in every language
        if _is_person_name(content, path) and not CJK_IDEOGRAPH.search(text.zh):
            # A name whose characters are not certain: pinyin with the Russian original.
            assert PINYIN_WITH_RUSSIAN.match(text.zh), f"{path}: {text.zh!r}"
        else:
            assert CJK_IDEOGRAPH.search(text.zh), f"{path}: no Chinese characters in {text.zh!r}"


def test_english_texts_have_no_cyrillic_outside_names(content: Content) -> None:
    russian_names = {org.name.ru for org in content.organizations}
    for path, text in content.localized_texts():
        if path.endswith(".short_name") and text.en == text.ru:
            continue  # the organization's own abbreviation ("МСП ИТТ"), not a made-up one
        outside = re.sub(r"\([^()]*\)", "", text.en)
        assert not CYRILLIC.search(outside), f"{path}: Cyrillic in {text.en!r}"
        for inside in re.findall(r"\(([^()]*)\)", text.en):
            if CYRILLIC.search(inside):
                # A Russian original in parentheses only follows a name we translated.
                assert inside in russian_names, f"{path}: Cyrillic in {text.en!r}"


def test_russian_texts_are_russian(content: Content) -> None:
    for path, text in content.localized_texts():
        if path.endswith(".short_name"):
            continue  # "JITRI" is the institute's short name in every language.
        assert CYRILLIC.search(text.ru), f"{path}: no Cyrillic in {text.ru!r}"


def test_texts_are_plain_and_dateless(content: Content) -> None:
    """No markup (the bot escapes and formats), no dates (they are structured fields)."""
    months = re.compile(r"сентябр|октябр|декабр|September|October|December|\d+月|\d{1,2}\.\d{2}\.")
    for path, text in content.localized_texts():
        for language in LANGUAGES:
            value = text.get(language)
            assert not re.search(r"[<>&*_`\[\]]", value), f"{path}.{language}: markup {value!r}"
            assert not months.search(value), f"{path}.{language}: date in text {value!r}"
            assert value == value.strip(), f"{path}.{language}: stray whitespace"


# --- 5. wording the article supports, and one house style ---------------------------------

# Hu Yidong's four statements exactly as the article reports them (after «рассказал, что…»,
# «Он сказал, что…», «По его словам,…»), copied by hand from the article.
ARTICLE_CLAUSES = [
    "в 2020-2021 годах Китай и Россия проводят Годы научно-технического и инновационного"
    " сотрудничества",
    "организация нынешнего саммита в условиях пандемии стала свидетельством высокого уровня"
    " двустороннего всеобъемлющего стратегического партнерства в новую эпоху",
    "JITRI идет в ногу со временем, точно следуя тенденциям развития и наращивая темпы"
    " сотрудничества с Россией",
    "в дальнейшем JITRI продолжит углублять взаимодействие с профильными организациями России,"
    " чтобы расширить совместную инновационную деятельность",
]
QUOTATION_MARKS = "«»“”„「」『』\"'"
# Half-width brackets and punctuation touching a Chinese character (spaces in between count).
CJK_CHAR = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
HALF_WIDTH_NEXT_TO_CJK = re.compile(rf"{CJK_CHAR} *[()\[\],;:!?]|[()\[\],;:!?] *{CJK_CHAR}")


def test_statements_are_the_articles_own_words(content: Content) -> None:
    expected = [clause[0].upper() + clause[1:] + "." for clause in ARTICLE_CLAUSES]
    assert [statement.text.ru for statement in content.statements] == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_statements_are_not_in_quotation_marks(content: Content, language: str) -> None:
    for statement in content.statements:
        text = statement.text.get(language).rstrip(".。")
        assert text[0] not in QUOTATION_MARKS, f"{statement.id}: {text!r}"
        assert text[-1] not in QUOTATION_MARKS, f"{statement.id}: {text!r}"


def test_chinese_puts_china_first(content: Content) -> None:
    for path, text in content.localized_texts():
        assert "俄中" not in text.zh, f"{path}: {text.zh!r}"
    assert "中俄" in content.event.title.zh


def test_chinese_official_terms(content: Content) -> None:
    years = [text.zh for text in content.event.context if "2021" in text.zh]
    years += [s.text.zh for s in content.statements if "2021" in s.text.zh]
    assert len(years) == 2
    assert all("中俄科技创新年" in text for text in years), years
    said = "\n".join(s.text.zh for s in content.statements)
    assert "全面战略协作伙伴关系" in said


def test_no_half_width_punctuation_next_to_chinese(content: Content) -> None:
    for path, text in content.localized_texts():
        match = HALF_WIDTH_NEXT_TO_CJK.search(text.zh)
        assert not match, f"{path}: {match.group()!r} in {text.zh!r}"


def test_no_name_mixes_scripts(content: Content) -> None:
    for path, text in content.localized_texts():
        if path.endswith("name"):
            for language in LANGUAGES:
                words = re.findall(r"[^\s（）()“”]+", text.get(language))
                mixed = [w for w in words if CYRILLIC.search(w) and CJK_IDEOGRAPH.search(w)]
                assert not mixed, f"{path}.{language}: {mixed}"


def test_english_house_style(content: Content) -> None:
    for path, text in content.localized_texts():
        assert not re.search(r"\bcenters?\b", text.en, re.IGNORECASE), f"{path}: {text.en!r}"
        assert not re.search(r"\bthe Russia Week", text.en, re.IGNORECASE), f"{path}: {text.en!r}"
        assert "experimental field" not in text.en, f"{path}: {text.en!r}"
    assert "Russia Week" in "\n".join(text.en for text in content.event.context)
    assert "“testing ground”" in "\n".join(text.en for text in _jitri(content).description)


# Names that are our own translations, not official ones: (id, Russian original).
TRANSLATED_NAMES = [
    ("expert-exchange-center", "Китайский международный центр по обмену экспертами"),
    (
        "msp-itt",
        "Международный союз приборостроителей и специалистов по информационным и"
        " телекоммуникационным технологиям",
    ),
    ("jiangsu-foreign-experts", "Управление по делам иностранных специалистов провинции Цзянсу"),
    ("jiangsu-foreign-affairs", "Канцелярия по иностранным делам провинции Цзянсу"),
    ("yangtze-new-materials", "Институт новых материалов региона дельты Янцзы"),
]


@pytest.mark.parametrize(
    ("org_id", "original"), [pytest.param(*name, id=name[0]) for name in TRANSLATED_NAMES]
)
def test_translated_names_carry_the_original(content: Content, org_id: str, original: str) -> None:
    org = content.organization(org_id)
    assert org.name.ru == original
    assert org.name.zh.endswith(f"（{original}）"), org.name.zh
    assert org.name.en.endswith(f" ({original})"), org.name.en
    # Wherever else the translation appears, the original follows it.
    translations = {
        "zh": org.name.zh.removesuffix(f"（{original}）"),
        "en": org.name.en.removesuffix(f" ({original})"),
    }
    for path, text in content.localized_texts():
        for language, translation in translations.items():
            value = text.get(language)
            for match in re.finditer(re.escape(translation), value):
                rest = value[match.end() :]
                assert rest.startswith((f"（{original}）", f" ({original})")), f"{path}: {value!r}"


def test_short_names_are_not_made_up(content: Content) -> None:
    msp_itt = content.organization("msp-itt")
    assert msp_itt.short_name == Localized(ru="МСП ИТТ", zh="МСП ИТТ", en="МСП ИТТ")
    for path, text in content.localized_texts():
        assert "MSP ITT" not in text.en, f"{path}: {text.en!r}"


def test_the_outlet_is_always_named_in_the_original(content: Content) -> None:
    outlet = content.organization("dykhanie-kitaya")
    mentions = 0
    for path, text in content.localized_texts():
        for value in (text.zh, text.en):
            if re.search(r"Breath of China|中国的呼吸|Дыхание Китая", value):
                mentions += 1
                assert "Дыхание Китая" in value, f"{path}: {value!r}"
    assert mentions >= 4  # its name and Hu Yidong's role, in Chinese and English
    assert "Дыхание Китая" in content.person("hu-yidong").role_text.en
    assert outlet.name.en == "Breath of China (Дыхание Китая)"


def test_hu_yidong_role_mentions_the_interview_once(content: Content) -> None:
    role = content.person("hu-yidong").role_text
    assert role.ru.count("интервью") == 1
    assert role.zh.count("专访") == 1
    assert role.en.count("interview") == 1


# --- 6. broken content files are rejected with a useful message -----------------------------

BROKEN = [
    pytest.param(
        'zh = "МСП ИТТ"\n',
        "",
        ["msp-itt", "short_name.zh", "Field required"],
        id="missing-zh",
    ),
    pytest.param(
        'id = "msp-itt"',
        'id = "jitri"',
        ["duplicate id", "jitri"],
        id="duplicate-organization-id",
    ),
    pytest.param(
        'organization = "consulate-shanghai"',
        'organization = "consulate-moscow"',
        ["oleg-azarov", "organization", "unknown id", "consulate-moscow"],
        id="person-unknown-organization",
    ),
    pytest.param(
        'id = "deepening-cooperation"\nperson = "hu-yidong"\npublished_in = "dykhanie-kitaya"',
        'id = "deepening-cooperation"\nperson = "hu-yidong"\npublished_in = "pravda"',
        ["deepening-cooperation", "published_in", "unknown id", "pravda"],
        id="statement-unknown-publisher",
    ),
    pytest.param(
        'ru = "JITRI идет в ногу со временем',
        'ru = "«JITRI идет в ногу со временем',
        ["keeping-pace", "reported speech"],
        id="statement-in-quotation-marks",
    ),
    pytest.param(
        'id = "oleg-azarov"\norganization = "consulate-shanghai"\nrole = "speaker"',
        'id = "oleg-azarov"\norganization = "consulate-shanghai"\nrole = "moderator"',
        ["oleg-azarov", "role"],
        id="unknown-person-role",
    ),
    pytest.param(
        'id = "jitri"\n',
        'id = "jitri"\nwebsite = "example"\n',
        ["jitri", "website", "Extra inputs are not permitted"],
        id="unknown-key",
    ),
    pytest.param(
        'founded = "2013-12"',
        'founded = "2013-13"',
        ["jitri", "founded"],
        id="bad-founded-month",
    ),
    pytest.param(
        'value = "15000+"',
        'value = "more than 15000"',
        ["jitri", "figures", "value"],
        id="figure-value-not-digits",
    ),
    pytest.param(
        'id = "yangtze-new-materials"',
        'id = "Yangtze New Materials"',
        ["Yangtze New Materials", "id"],
        id="bad-id",
    ),
    pytest.param(
        'value = "lily@jitri.org"',
        'value = "lily at jitri"',
        ["jitri-email", "value"],
        id="bad-email",
    ),
    pytest.param(
        "[event]\ndate = 2020-09-09",
        "[event]\ndate = 2020-09-31",
        ["not valid TOML"],
        id="impossible-date",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), BROKEN)
def test_broken_content_is_rejected(
    tmp_path: Path, bundled_text: str, old: str, new: str, expected: list[str]
) -> None:
    path = _mutated(tmp_path, bundled_text, old, new)
    with pytest.raises(ContentError) as error:
        load_content(path)
    message = str(error.value)
    assert str(path) in message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ContentError, match=r"absent\.toml"):
        load_content(path)


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_content(path)
    message = str(error.value)
    for field in ("source", "event", "organizations"):
        assert f"{field}: Field required" in message
