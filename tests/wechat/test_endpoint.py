"""The WeChat endpoint of `python -m bot web`, end to end through the WeChat emulator.

The process has no Telegram token; the emulator signs, POSTs and checks every reply as WeChat
does (XML shape and addressing, 2048 bytes, links as the only markup, the 5 s deadline).
"""

from __future__ import annotations

import pytest

from tests.web.conftest import WebProcess
from tests.wechat.conftest import SITE, TOKEN
from wechat.replies import MENU_CARDS
from wxemu import WeChatPlatform
from wxemu import messages as wx

pytestmark = pytest.mark.slow


async def test_the_server_check_echoes_only_to_our_token(platform: WeChatPlatform) -> None:
    assert await platform.verify("8310941187334123456") == (200, "8310941187334123456")
    status, _ = await platform.verify("8310941187334123456", token="notOurToken")
    assert status == 403


async def test_a_chinese_question_gets_the_answering_fact_and_the_site_link(
    platform: WeChatPlatform, wechat_site: WebProcess
) -> None:
    user = platform.user()
    shown = await user.say("JITRI有多少科研人员？")
    assert shown is not None and user.last is not None
    assert not user.last.failed and len(user.last.attempts) == 1
    first = shown.split("\n")[0]
    assert "8000" in first and "研究院科研人员" in first
    link = f'<a href="{SITE}/zh/org/jitri">'
    assert link in shown
    # The link's page exists on the site this same process serves.
    assert wechat_site.get("/zh/org/jitri").status == 200


@pytest.mark.parametrize(
    ("question", "figure", "label"),
    [
        ("How many researchers does JITRI have?", "8,000", "researchers working at JITRI"),
        (
            "Сколько исследователей в JITRI?",
            "8\u00a0000",
            "научно-исследовательские сотрудники JITRI",
        ),
    ],
)
async def test_a_question_in_another_language_is_answered_in_it(
    platform: WeChatPlatform, question: str, figure: str, label: str
) -> None:
    shown = await platform.user().say(question)
    assert shown is not None
    first = shown.split("\n")[0]
    assert figure in first and label in first


async def test_the_chosen_language_is_remembered_for_questions_in_no_clear_language(
    platform: WeChatPlatform,
) -> None:
    user = platform.user()
    assert "English" in (await user.say("English") or "")
    english = await user.say("JITRI")
    assert english is not None and "JITRI" in english
    assert not any("\u4e00" <= char <= "\u9fff" for char in english.split("<a")[0])
    assert "по-русски" in (await user.say("русский") or "")
    russian = await user.say("JITRI")
    assert russian is not None and any("а" <= char <= "я" for char in russian)
    assert "中文" in (await user.say("中文") or "")
    chinese = await user.say("8000")
    assert chinese is not None and any("\u4e00" <= char <= "\u9fff" for char in chinese)


async def test_a_follower_is_welcomed_in_chinese(platform: WeChatPlatform) -> None:
    shown = await platform.user().subscribe()
    assert shown is not None
    assert shown.startswith("您好")
    assert "JITRI" in shown and "English" in shown and "Русский" in shown


async def test_every_menu_key_opens_its_own_card(platform: WeChatPlatform) -> None:
    user = platform.user()
    shown = {}
    for key in MENU_CARDS:
        text = await user.click(key)
        assert text, key
        shown[key] = text
    assert len(set(shown.values())) == len(MENU_CARDS)
    assert "JITRI" in shown["org:jitri"] and "8000" in shown["org:jitri"]
    assert "@" in shown["contacts"]
    assert shown["news"].startswith("暂无新闻")
    stale = await user.click("org:no-such-org")
    assert stale is not None and "菜单" in stale


async def test_a_long_card_continues_on_1_and_a_retried_1_is_not_read_twice(
    platform: WeChatPlatform,
) -> None:
    user = platform.user()
    await user.say("Русский")
    first = await user.click("about")
    assert first is not None and "ответьте 1" in first
    # The same "1" delivered three times (WeChat's retries): one continuation, three times.
    body = wx.text(user.openid, platform.account, "1", wx.next_msg_id())
    second = [await platform.deliver(body, user.openid) for _ in range(3)]
    texts = {delivery.shown for delivery in second}
    assert len(texts) == 1
    (text,) = texts
    assert text is not None and text.split("\n")[0] not in first
    assert "ответьте 1" not in text  # the whole rest fitted in the second part
    assert "Больше ничего нет" in (await user.say("1") or "")


async def test_what_is_not_text_gets_a_polite_answer(platform: WeChatPlatform) -> None:
    user = platform.user()
    for send in (user.send_image, user.send_voice, user.send_location):
        assert await send() == "我只能读懂文字消息。请直接输入问题，或使用底部菜单。"
    assert await user.unsubscribe() is None  # nothing to say, `success`


async def test_hostile_requests_get_statuses_and_the_server_keeps_serving(
    platform: WeChatPlatform,
) -> None:
    user = platform.user()
    message = wx.text(user.openid, platform.account, "JITRI", wx.next_msg_id())
    query, body = platform.signed_query(message, user.openid)
    assert (await platform.post({**query, "signature": "0" * 40}, body))[0] == 403
    assert (await platform.post({k: v for k, v in query.items() if k != "signature"}, body))[
        0
    ] == 403
    assert (await platform.post(query, "<xml><ToUserName>"))[0] == 400
    assert (await platform.post(query, b"\xff\xfe not xml"))[0] == 400
    assert (await platform.post(query, "<xml><MsgType>text</MsgType></xml>"))[0] == 400
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><xml><Content>&a;</Content></xml>'
    assert (await platform.post(query, bomb))[0] == 400
    huge = message.replace("JITRI", "x" * 200_000)
    assert (await platform.post(query, huge))[0] == 400
    # Encrypted without safe mode configured: not a message this account can read.
    assert (await platform.post({**query, "encrypt_type": "aes"}, body))[0] == 400
    assert "8000" in (await user.say("JITRI有多少科研人员") or "")


async def test_a_long_question_gets_a_reply_within_the_limits(platform: WeChatPlatform) -> None:
    user = platform.user()
    question = "会议 " * 600  # 4200 bytes: WeChat allows long texts
    shown = await user.say(question)
    assert shown is not None and len(shown.encode()) <= 2048
    assert "<b>" not in shown and "&amp;" not in shown


def test_the_tokens_never_reach_the_log(wechat_site: WebProcess) -> None:
    assert TOKEN not in wechat_site.log()


async def test_language_and_help_buttons_and_words(platform: WeChatPlatform) -> None:
    user = platform.user()
    assert await user.click("language") == "请发送语言名称：中文、English 或 Русский。"
    assert await user.say("语言") == "请发送语言名称：中文、English 或 Русский。"
    helped = await user.click("help")
    assert helped is not None and "English" in helped and "JITRI" in helped
    assert await user.say("？") == helped
    assert await user.say("帮助") == helped


async def test_small_talk_and_what_the_article_does_not_say_as_in_telegram(
    platform: WeChatPlatform,
) -> None:
    user = platform.user()
    greeting = await user.say("你好")
    assert greeting is not None and greeting.startswith("👋 您好！")
    assert "8000" not in greeting  # no unrelated fact for a greeting
    honest = await user.say("What is the weather in Nanjing?")
    assert honest is not None
    assert honest.startswith("🤷 The article does not say anything about “weather”.")
    assert "search?q=What%20is%20the%20weather" in honest  # the site's search for it


async def test_a_follow_up_question_after_a_menu_card(platform: WeChatPlatform) -> None:
    user = platform.user()
    await user.say("English")
    assert await user.click("org:jitri")
    shown = await user.say("what is its email?")
    assert shown is not None and "lily@jitri.org" in shown.split("\n")[0]
