"""Links and QR codes for posters: /links lists every deep link, /qr <payload> draws one.

A deep link is https://t.me/<bot>?start=<payload>; the payload names a card
(storage/cards.py). `python -m bot qr` writes the same codes as files for a print shop.
"""

from __future__ import annotations

from telegram import InputFile, Update

from handlers.auth import admin_only
from handlers.cards import deep_link_cards
from handlers.common import reply, shorten, user_language
from handlers.kit.context import BotContext
from handlers.kit.posters import DeepLink, qr_png
from storage.cards import card_from_payload, deep_link, payload_for
from storage.content import LANGUAGES
from storage.facts import FactStore
from wording.i18n import Html, Translator
from wording.names import card_title


async def poster_links(
    facts: FactStore, t: Translator, username: str, languages: tuple[str, ...] = LANGUAGES
) -> list[DeepLink]:
    """Every card's deep link with its title in `languages`."""
    links = []
    for card in await deep_link_cards(facts):
        payload = payload_for(card)
        titles = {lang: await card_title(card, lang, facts, t) or payload for lang in languages}
        links.append(DeepLink(card, payload, deep_link(username, card), titles))
    return links


@admin_only
async def links_command(update: Update, context: BotContext) -> None:
    """/links: every deep link (card title, payload, URL), for posters and websites."""
    data = context.bot_data
    t = data.translate
    language = await user_language(update, context)
    links = await poster_links(data.store.facts, t, data.bot_username, (language,))
    lines = [t(language, "links.title", count=len(links))]
    lines += [
        t(language, "links.item", title=link.titles[language], payload=link.payload, url=link.url)
        for link in links
    ]
    await reply(update, Html("\n\n".join(lines)))


@admin_only
async def qr_command(update: Update, context: BotContext) -> None:
    """/qr <payload>: the card's deep link as a PNG QR code, captioned with the card's title."""
    data = context.bot_data
    t = data.translate
    chat = update.effective_chat
    if chat is None:
        return
    language = await user_language(update, context)
    payload = (context.args or [""])[0]
    card = card_from_payload(payload) if payload else None
    title = await card_title(card, language, data.store.facts, t) if card else None
    if card is None or title is None:
        links = await poster_links(data.store.facts, t, data.bot_username, (language,))
        header = (
            t(language, "qr.unknown", payload=shorten(payload))
            if payload
            else t(language, "qr.usage")
        )
        items = [
            t(language, "qr.item", payload=link.payload, title=link.titles[language])
            for link in links
        ]
        await reply(update, Html("\n".join([header, *items])))
        return
    url = deep_link(data.bot_username, card)
    await chat.send_photo(
        InputFile(qr_png(url), filename=f"{payload_for(card)}.png"),
        caption=t(language, "qr.caption", title=title, url=url),
    )
