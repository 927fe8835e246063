"""All handlers, registered in one place and in order."""

from __future__ import annotations

from collections.abc import Collection

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import (
    admin,
    content_admin,
    fallback,
    faq,
    feedback,
    info,
    inline,
    language,
    posters,
    questions,
    schedule,
    search,
    subscriptions,
    unanswered,
)
from handlers.kit.context import HandlerCallback
from handlers.kit.keyboards import BROADCAST, CARD, LANG, RESULTS, SUBSCRIPTION

__all__ = ["register"]

# Handler groups run in this order; within a group the first matching handler answers, and a
# handler that fully used an update raises ApplicationHandlerStop so no later group sees it.
FLOOD_GROUP = -3  # per-user flood control, before anything else
COMPOSE_GROUP = -2  # an organizer's message that is the next text of a broadcast
ORGANIZER_INPUT_GROUP = -1  # an organizer's answer to a question, or a FAQ entry's next text
ANSWER_GROUP = 0  # commands, buttons, questions: everything users ask
FOLLOW_UP_GROUP = 1  # side effects that go with an answer (a /start brings a blocked user back)


def _command(name: str, callback: HandlerCallback) -> CommandHandler:  # type: ignore[type-arg]
    # New messages only: an edited command is acknowledged, not answered twice.
    return CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE)


def register(application: Application, admins: Collection[int]) -> None:  # type: ignore[type-arg]
    """Add every handler to the application; `admins` are the organizers' user ids."""
    # Before anything else: per-user flood control.
    application.add_handler(TypeHandler(Update, fallback.flood_guard), group=FLOOD_GROUP)

    # An organizer composing a broadcast: their next message is its text. A message that is
    # not part of a broadcast being composed falls through to the groups below.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.COMMAND
            & ~filters.CaptionRegex(schedule.CAPTION_COMMAND)
            & filters.User(user_id=admins),
            admin.compose_input,
        ),
        group=COMPOSE_GROUP,
    )

    # An organizer writing the answer to a question, or a FAQ entry (handlers/questions.py);
    # any other message falls through to the groups below.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & ~filters.COMMAND
            & ~filters.CaptionRegex(schedule.CAPTION_COMMAND)
            & filters.User(user_id=admins),
            questions.organizer_input,
        ),
        group=ORGANIZER_INPUT_GROUP,
    )

    # Edited messages are acknowledged, never re-answered as new questions.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE, fallback.edited
        )
    )

    # Fact commands; /cmd@ourbot works in groups and /cmd@otherbot is ignored by PTB.
    application.add_handler(_command("start", info.start))
    application.add_handler(_command("help", info.help_command))
    application.add_handler(_command("about", info.about))
    application.add_handler(_command("speakers", info.speakers))
    application.add_handler(_command("organizers", info.organizers))
    application.add_handler(_command("jitri", info.featured))
    application.add_handler(_command("org", info.organization))
    application.add_handler(_command("interview", info.interview))
    application.add_handler(_command("contacts", info.contacts))
    application.add_handler(_command("source", info.source))
    application.add_handler(_command("search", search.search_command))
    application.add_handler(_command("lang", language.choose_language))
    # Questions to the organizers and their FAQ (issue 22).
    application.add_handler(_command("ask", questions.ask_command))
    application.add_handler(_command("faq", faq.faq_command))

    # Subscriptions and news; a user who blocked the bot is back once they /start again.
    application.add_handler(_command("subscribe", subscriptions.subscribe))
    application.add_handler(_command("unsubscribe", subscriptions.unsubscribe))
    application.add_handler(_command("news", subscriptions.news))
    application.add_handler(_command("start", subscriptions.came_back), group=FOLLOW_UP_GROUP)
    application.add_handler(
        ChatMemberHandler(subscriptions.member_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )

    # Admin tools (each refuses non-admins politely).
    application.add_handler(_command("broadcast", admin.broadcast_command))
    application.add_handler(_command("skip", admin.skip_command))
    application.add_handler(_command("cancel", admin.cancel_command))
    application.add_handler(_command("stats", admin.stats_command))
    application.add_handler(_command("schedule", schedule.schedule_command))
    application.add_handler(_command("scheduled", schedule.scheduled_command))
    # A photo or document captioned /broadcast or /schedule: a broadcast of that file.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE
            & filters.UpdateType.MESSAGE
            & (filters.PHOTO | filters.Document.ALL)
            & filters.CaptionRegex(schedule.CAPTION_COMMAND),
            schedule.media_command,
        )
    )
    application.add_handler(_command("reload", content_admin.reload_content))
    application.add_handler(_command("links", posters.links_command))
    application.add_handler(_command("qr", posters.qr_command))
    application.add_handler(_command("questions", questions.questions_command))
    application.add_handler(_command("unanswered", unanswered.unanswered_command))

    # Buttons.
    application.add_handler(CallbackQueryHandler(info.open_card, pattern=f"^{CARD}:"))
    application.add_handler(CallbackQueryHandler(search.back_to_results, pattern=f"^{RESULTS}$"))
    application.add_handler(CallbackQueryHandler(language.set_language, pattern=f"^{LANG}:"))
    application.add_handler(
        CallbackQueryHandler(subscriptions.subscription_button, pattern=f"^{SUBSCRIPTION}:")
    )
    application.add_handler(CallbackQueryHandler(admin.broadcast_button, pattern=f"^{BROADCAST}:"))
    application.add_handler(
        CallbackQueryHandler(questions.ask_button, pattern=f"^{questions.ASK}:")
    )
    application.add_handler(
        CallbackQueryHandler(questions.question_button, pattern=f"^{questions.QUESTION}:")
    )
    application.add_handler(CallbackQueryHandler(faq.faq_button, pattern=f"^{faq.FAQ}:"))
    application.add_handler(
        CallbackQueryHandler(feedback.feedback_button, pattern=f"^{feedback.FEEDBACK}:")
    )

    # Inline mode.
    application.add_handler(InlineQueryHandler(inline.inline_query))

    # Plain text in a private chat is a question; anything else gets a polite fallback.
    private_text = (
        filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    )
    application.add_handler(MessageHandler(private_text, search.search_text))
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, fallback.unknown_command)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.TEXT, fallback.not_text
        )
    )
    application.add_handler(CallbackQueryHandler(fallback.stale_button))

    application.add_error_handler(fallback.error_handler)
