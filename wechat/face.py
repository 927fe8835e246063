"""One conversation step of the WeChat face: a message in, the reply text out.

Guarantees:
- A message WeChat retries (same MsgId; for events the same sender and CreateTime) is handled
  once: the retry waits for, or reuses, the first attempt's reply, so it gets the same text and
  the user and the question are counted once. The first attempt's work is never cancelled by
  WeChat hanging up at 5 s: the retry picks its reply up.
- A reply is at most 2048 bytes (wechat/fitting.py); what did not fit is sent on "1".
- Text messages are questions; the language is the question's own, else the user's choice,
  else Chinese (wechat/language.py).
- Anything else gets a polite text (images, voice, …) or nothing (events we do not answer).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from storage.db import is_storage_failure
from storage.store import Store
from wechat.fitting import fit
from wechat.language import (
    DEFAULT_LANGUAGE,
    asks_for_languages,
    folded,
    reply_language,
    switch_to,
    words,
)
from wechat.protocol import Message
from wechat.questions import FACE, AskedQuestion, QuestionHook
from wechat.replies import Replies, Reply

log = logging.getLogger(__name__)

# Replies remembered for retries: WeChat retries within 15 s; kept longer, and bounded.
REMEMBERED_REPLIES = 10_000
REMEMBERED_FOR = 300.0
# After each WeChat answer, the next waits this multiple of the time it took (see _handle_once).
PAUSE_SHARE = 0.5
# Continuations ("reply 1 for more") kept per user, the most recent users.
CONTINUATIONS = 10_000
# What asks for the rest of a long reply, and what asks for help (wechat/words.toml).
MORE_WORDS = words("more")
HELP_WORDS = words("help")
# The reply that asks for the rest, as the hint names it.
MORE_KEY = "1"


class WeChatFace:
    """The face's logic over the store; `respond` is what the endpoint calls."""

    def __init__(self, store: Store, replies: Replies, on_question: QuestionHook | None = None):
        self.store = store
        self.replies = replies
        self.on_question = on_question
        self._inflight: dict[str, asyncio.Task[str | None]] = {}
        self._done: OrderedDict[str, tuple[float, str | None]] = OrderedDict()
        # openid -> (language, the rest of the body, its footer)
        self._rest: OrderedDict[str, tuple[str, str, str]] = OrderedDict()
        # One WeChat answer is computed at a time (see _handle_once).
        self._turn = asyncio.Lock()

    async def respond(self, message: Message) -> str | None:
        """The reply text for `message` (None: reply nothing), the same for every retry."""
        key = message.dedup_key
        done = self._done.get(key)
        if done is not None and time.monotonic() - done[0] < REMEMBERED_FOR:
            return done[1]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._handle_once(key, message))
            self._inflight[key] = task
        # Shielded: WeChat hanging up cancels this request, never the work its retry awaits.
        return await asyncio.shield(task)

    async def _handle_once(self, key: str, message: Message) -> str | None:
        # The answer engine is CPU work on the event loop that Telegram's replies share. Taking
        # turns keeps at most one WeChat answer in the loop's ready queue at a time, so a
        # Telegram update waits behind one step of one WeChat answer, not behind fifty; the
        # WeChat flood queues here instead, well within WeChat's 5 s.
        try:
            async with self._turn:
                started = time.monotonic()
                reply = await self.handle(message)
                # Then a pause in proportion before the next WeChat answer: under a flood,
                # WeChat gets at most 1 / (1 + PAUSE_SHARE) of the loop, Telegram the rest.
                await asyncio.sleep((time.monotonic() - started) * PAUSE_SHARE)
        finally:
            self._inflight.pop(key, None)
        self._done[key] = (time.monotonic(), reply)
        self._done.move_to_end(key)
        while len(self._done) > REMEMBERED_REPLIES:
            self._done.popitem(last=False)
        return reply

    async def handle(self, message: Message) -> str | None:
        """One message's reply, without the retry bookkeeping."""
        try:
            await self.store.wechat_users.seen(message.user)
        except Exception as error:
            if not is_storage_failure(error):
                raise
            # Counting the user must not cost them the answer: it is noted at their next message.
            log.warning("WeChat user not recorded: %s", error)
        chosen = self.store.wechat_users.chosen(message.user)
        if message.kind == "text":
            return await self._text(message.user, message.content, chosen)
        if message.kind == "event":
            return await self._event(message, chosen or DEFAULT_LANGUAGE)
        # Images, voice, video, locations, links, files: we read text only.
        return self.replies.say(chosen or DEFAULT_LANGUAGE, "wechat.text_only")

    async def _event(self, message: Message, lang: str) -> str | None:
        if message.event == "subscribe":
            # A new follower is greeted in Chinese, with the way to switch in each language.
            return self._send(
                message.user, DEFAULT_LANGUAGE, Reply(await self.replies.welcome(DEFAULT_LANGUAGE))
            )
        if message.event == "click":
            return await self._click(message.user, message.event_key, lang)
        # unsubscribe, VIEW (opening a link), location reports, …: nothing to say.
        return None

    async def _click(self, user: str, key: str, lang: str) -> str:
        if key == "language":
            return self.replies.say(lang, "wechat.language_choose")
        if key == "help":
            return await self.replies.help(lang)
        card = await self.replies.card(key, lang)
        if card is None:
            return self.replies.say(lang, "wechat.stale_menu")
        # The card opened names the subject of a follow-up ("where does he work?").
        self.replies.engine.note(_conversation(user), key)
        return self._send(user, lang, card)

    async def _text(self, user: str, text: str, chosen: str | None) -> str:
        stripped = text.strip()
        said = folded(stripped)
        language = switch_to(stripped)
        if language is not None:
            try:
                await self.store.wechat_users.set_language(user, language)
            except Exception as error:
                if not is_storage_failure(error):
                    raise
                # Not remembered: never say it was (write first, then tell).
                log.warning("WeChat language choice not saved: %s", error)
                return self.replies.say(language, "unavailable")
            return self.replies.say(language, "wechat.language_saved")
        lang = chosen or DEFAULT_LANGUAGE
        if asks_for_languages(stripped):
            return self.replies.say(lang, "wechat.language_choose")
        if said in MORE_WORDS:
            return self._more(user, lang)
        if not said or said in HELP_WORDS:
            return await self.replies.help(lang)
        lang = reply_language(stripped, chosen)
        reply = await self.replies.answer(stripped, lang, conversation=_conversation(user))
        if reply.question:
            await self._report(user, stripped, lang, reply.answered)
        return self._send(user, lang, reply)

    def _send(self, user: str, lang: str, reply: Reply) -> str:
        """The first part of `reply` that fits; the rest is kept for "1"."""
        fitted = fit(reply.body, reply.footer, self.replies.say(lang, "wechat.more", key=MORE_KEY))
        self._rest.pop(user, None)
        if fitted.rest:
            self._rest[user] = (lang, fitted.rest, reply.footer)
            while len(self._rest) > CONTINUATIONS:
                self._rest.popitem(last=False)
        return fitted.text

    def _more(self, user: str, lang: str) -> str:
        pending = self._rest.pop(user, None)
        if pending is None:
            return self.replies.say(lang, "wechat.no_more")
        language, rest, footer = pending
        return self._send(user, language, Reply(rest, footer))

    async def _report(self, user: str, text: str, lang: str, answered: bool) -> None:
        if self.on_question is None:
            return
        try:
            await self.on_question(AskedQuestion(FACE, user, text, lang, answered))
        except Exception as error:
            # The report is the organizers' tool; the user's answer never waits on its failure.
            if not is_storage_failure(error):
                raise
            log.warning("WeChat question not noted for the report: %s", error)


def _conversation(user: str) -> tuple[str, str]:
    """The engine's conversation key of a WeChat user (apart from Telegram's chat ids)."""
    return (FACE, user)
