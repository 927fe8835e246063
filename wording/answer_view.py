"""Answer facts as Telegram HTML: one sentence per fact, the question's words in bold.

Shared by the bot's replies (handlers/search.py, handlers/inline.py) and the web site's search
page, so both faces say an answer in the same words. `honest_html` is the first line of a reply
the engine did not answer (answers/engine.py Verdict): "the article does not say …" naming what
was asked, or the small-talk reply; `related_html` the article's nearby facts below it.

The engine (answers/engine.py) returns facts as fields in the user's language; the sentence
around them is a catalog template (`answer.<form>`), numbers and dates are formatted by the
Translator, and user-facing text is escaped piece by piece (never concatenated raw).
"""

from __future__ import annotations

import datetime as dt

from answers.engine import Answer, Fact, Marks, Verdict
from wording.i18n import Html, Translator, escape

# Fields the templates already set in bold: their words are not bolded again.
_BOLD_IN_TEMPLATE = frozenset({"name"})
_TEMPLATES = {"year_month": "founded"}


def _highlighted(marks: Marks) -> Html:
    return Html("".join(f"<b>{escape(s)}</b>" if bold else escape(s) for s, bold in marks))


def fact_html(fact: Fact, lang: str, t: Translator, highlight: bool = True) -> Html:
    """The sentence stating `fact` in `lang`."""
    params: dict[str, str] = {}
    for name, value in fact.fields.items():
        marks = fact.marks.get(name)
        if highlight and marks and name not in _BOLD_IN_TEMPLATE:
            params[name] = _highlighted(marks)
        else:
            params[name] = value
    if fact.form == "figure":
        params["value"] = t.number(lang, fact.fields["value"])
    elif fact.form in ("date", "source"):
        params["date"] = t.date(lang, dt.date.fromisoformat(fact.fields["date"]))
    elif fact.form == "year_month":
        params["date"] = t.year_month(lang, fact.fields["date"])
    return t(lang, f"answer.{_TEMPLATES.get(fact.form, fact.form)}", **params)


def honest_html(answer: Answer, lang: str, t: Translator, about: str | None = None) -> Html:
    """The first line for a NOT_IN_ARTICLE or SMALL_TALK verdict (`about`: the title of
    `answer.about`, if the face has it)."""
    if answer.verdict is Verdict.SMALL_TALK and answer.talk is not None:
        return t(lang, f"honest.{answer.talk.value}")
    if not answer.asked:
        return t(lang, "honest.not_in_article_plain")
    asked = " ".join(answer.asked)
    if about:
        return t(lang, "honest.not_in_article_about", asked=asked, about=about)
    return t(lang, "honest.not_in_article", asked=asked)


def related_html(answer: Answer, lang: str, t: Translator) -> Html | None:
    """The related facts of a NOT_IN_ARTICLE answer as a short list, or None if none."""
    if not answer.related:
        return None
    lines = "\n".join(f"• {fact_html(f, lang, t, highlight=False)}" for f in answer.related)
    return Html(f"{t(lang, 'honest.related')}\n{lines}")
