"""The account's custom menu (自定义菜单): JSON for WeChat's menu/create API.

Three groups: the event (overview, speakers, organizers, the featured institute), news
(latest news, contacts, the source) and more (language, how to ask, the site when
[web] base_url is set). CLICK keys are the face's card keys (wechat/replies.py MENU_CARDS).
WeChat's limits, checked here so a posted menu is never refused: at most 3 groups of at most
5 buttons; a group's name at most 16 bytes, a button's at most 60, a key at most 128.
"""

from __future__ import annotations

from typing import Any

from storage.cards import CardKey, org_card
from storage.facts import FactStore
from wechat.replies import NEWS
from wording.i18n import Translator
from wording.names import FEATURED_ORGANIZATION, event_names
from wording.text import plain

MAX_GROUPS = 3
MAX_BUTTONS = 5
MAX_GROUP_NAME = 16
MAX_BUTTON_NAME = 60
MAX_KEY = 128


class MenuError(ValueError):
    """A menu WeChat would refuse (a name or key too long, too many buttons)."""


async def menu_json(
    lang: str, facts: FactStore, t: Translator, base_url: str | None
) -> dict[str, Any]:
    """The menu in `lang`, as menu/create takes it."""
    names = await event_names(facts, lang)

    def click(label: str, key: str) -> dict[str, str]:
        return {
            "type": "click",
            "name": plain(t(lang, f"wechat.menu.{label}", **names)),
            "key": str(key),
        }

    more: list[dict[str, str]] = [click("language", "language"), click("help", "help")]
    if base_url:
        site = f"{base_url.rstrip('/')}/{lang}/"
        more.append({"type": "view", "name": plain(t(lang, "wechat.menu.site")), "url": site})
    menu = {
        "button": [
            {
                "name": plain(t(lang, "wechat.menu.event")),
                "sub_button": [
                    click("about", CardKey.ABOUT),
                    click("speakers", CardKey.SPEAKERS),
                    click("organizers", CardKey.ORGANIZERS),
                    click("featured", org_card(FEATURED_ORGANIZATION)),
                ],
            },
            {
                "name": plain(t(lang, "wechat.menu.news_group")),
                "sub_button": [
                    click("news", NEWS),
                    click("contacts", CardKey.CONTACTS),
                    click("source", CardKey.SOURCE),
                ],
            },
            {"name": plain(t(lang, "wechat.menu.more")), "sub_button": more},
        ]
    }
    check_menu(menu)
    return menu


def check_menu(menu: dict[str, Any]) -> None:
    """Raise MenuError if WeChat's limits are broken."""
    groups = menu.get("button", [])
    if not 1 <= len(groups) <= MAX_GROUPS:
        raise MenuError(f"{len(groups)} groups (1-{MAX_GROUPS})")
    for group in groups:
        _name(group, MAX_GROUP_NAME)
        buttons = group.get("sub_button", [])
        if len(buttons) > MAX_BUTTONS:
            raise MenuError(f"{group['name']}: {len(buttons)} buttons (at most {MAX_BUTTONS})")
        for button in buttons:
            _name(button, MAX_BUTTON_NAME)
            if button["type"] == "click" and len(str(button["key"]).encode()) > MAX_KEY:
                raise MenuError(f"{button['name']}: key longer than {MAX_KEY} bytes")


def _name(item: dict[str, Any], limit: int) -> None:
    name = str(item.get("name", ""))
    if not name or len(name.encode("utf-8")) > limit:
        raise MenuError(f"{name!r}: a name must be 1-{limit} bytes")
