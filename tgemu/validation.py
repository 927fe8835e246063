"""Validation shared by the methods: limits, parse modes (HTML via telegram_html), keyboards."""

from __future__ import annotations

import re
from typing import Any

from tgemu.errors import JsonDict, bad_request
from tgemu.telegram_html import HtmlParseError, parse_html, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_BUTTONS = 100
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "pay",
    "callback_game",
    "copy_text",
)
URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)
_LANG_RE = re.compile(r"^[a-z]{2}$")


def int_param(value: Any, default: int) -> int:
    """Lenient int conversion for numeric parameters."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request("wrong integer parameter") from None


def language_param(params: JsonDict) -> str:
    """Validated language_code parameter ('' or two letters)."""
    lang = str(params.get("language_code") or "")
    if lang and not _LANG_RE.match(lang):
        raise bad_request("LANGUAGE_CODE_INVALID")
    return lang


def parse_text(
    text: Any, params: JsonDict, limit: int, *, parse_mode_key: str = "parse_mode"
) -> tuple[str, list[JsonDict]]:
    """Validate message text like Telegram: entities, emptiness and length."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    plain, entities = _apply_parse_mode(text, params.get(parse_mode_key), params.get("entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request("message is too long")
    return plain, entities


def parse_caption(params: JsonDict) -> tuple[str, list[JsonDict]]:
    """Validate an optional caption (empty is fine, max 1024)."""
    caption = params.get("caption")
    if caption is None:
        return "", []
    plain, entities = _apply_parse_mode(
        str(caption), params.get("parse_mode"), params.get("caption_entities")
    )
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, entities


def _apply_parse_mode(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[JsonDict]]:
    """Apply parse_mode (HTML validated strictly; Markdown taken as-is) or explicit entities."""
    mode = str(parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        return parsed.text, parsed.entities
    if mode not in ("", "markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    if entities is not None and not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    return text, list(entities or [])


def validate_reply_markup(markup: Any) -> JsonDict | None:
    """Validate inline and reply keyboards; returns the markup dict or None."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
            )
        if sum(len(r) for r in rows) > MAX_BUTTONS:
            raise bad_request("BUTTONS_TOO_MUCH")
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        return markup
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _validate_inline_button(button: Any) -> None:
    """One inline button: text plus exactly one action, with data/url limits."""
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text:
        raise bad_request(prefix + "Text must be non-empty")
    actions = [k for k in BUTTON_ACTIONS if button.get(k) is not None]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(prefix + f"exactly one optional field must be used, got {actions}")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not URL_RE.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def validate_inline_result(result: Any, seen: set[str]) -> None:
    """One InlineQueryResult: id rules, article fields, message content and markup."""
    if not isinstance(result, dict) or not isinstance(result.get("type"), str):
        raise bad_request("can't parse InlineQueryResult JSON object")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if result["type"] == "article":
        if not str(result.get("title") or "").strip():
            raise bad_request("RESULT_TITLE_EMPTY")
        if not isinstance(result.get("input_message_content"), dict):
            raise bad_request("can't parse InputMessageContent: Object expected")
    content = result.get("input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        parse_text(content["message_text"], content, MAX_TEXT)
    if "caption" in result:
        parse_caption(result)
    validate_reply_markup(result.get("reply_markup"))


def inline_markup(markup: JsonDict | None) -> JsonDict | None:
    """Only inline keyboards are attached to (and compared on) messages."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def attach_markup(message: JsonDict, markup: JsonDict | None) -> None:
    """Echo an inline keyboard in the returned message like Telegram does."""
    inline = inline_markup(markup)
    if inline is not None:
        message["reply_markup"] = inline
