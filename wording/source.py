"""The source card's words, the same on every face: which article the facts come from (title,
subtitle, date) and the interview it reports. (The Telegram face adds where the organizers'
own answers are, /faq, which only it has.)"""

from __future__ import annotations

from storage.facts import FactStore
from wording.i18n import Html, Translator


async def source_html(lang: str, facts: FactStore, t: Translator) -> Html:
    """The source card's text in `lang` (Telegram-safe HTML; `plain_text` for plain faces)."""
    source = await facts.source(lang)
    statements = await facts.statements(lang)
    parts = [
        t(
            lang,
            "source.text",
            title=source.title,
            subtitle=source.subtitle,
            date=t.date(lang, source.date),
        )
    ]
    if statements:
        parts.append(
            t(
                lang,
                "source.interview",
                outlet=statements[0].published_in.name,
                person=statements[0].person.name,
            )
        )
    return Html("\n\n".join(parts))
