"""Answer facts as Telegram HTML: one sentence per fact, the question's words in bold.

Shared by the bot's replies (handlers/search.py, handlers/inline.py) and the web site's search
page, so both faces say an answer in the same words.

The engine (answers/engine.py) returns facts as fields in the user's language; the sentence
around them is a catalog template (`answer.<form>`), numbers and dates are formatted by the
Translator, and user-facing text is escaped piece by piece (never concatenated raw).
"""

from __future__ import annotations

import datetime as dt

from answers.engine import Fact, Marks
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
