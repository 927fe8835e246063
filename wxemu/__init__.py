"""A WeChat server emulator: what WeChat does to an Official Account's server, strictly.

There is no WeChat to test against and no open-source one exists, so this package plays its
part the way `tgemu` plays Telegram's:

    crypto     the signatures and safe mode's AES framing, written from WeChat's documentation
               (independent of wechatpy, which the face uses; both meet WeChat's own vectors)
    messages   the XML WeChat pushes: text, events (subscribe, CLICK, …), images, voice, …
    platform   `WeChatPlatform`: signs and POSTs a message, hangs up at 5 s and retries the same
               message 3 times, and checks the reply as WeChat does (XML shape, addressing,
               2048 bytes, `success`); `WeChatUser` plays one person's conversation
    api        the few API calls the bot makes (access token, menu/create), with menu limits

Only the process (`bot/`, for `chat --wechat`), the tests and the benchmarks import it.
"""

from wxemu.api import WeChatApiEmulator
from wxemu.platform import Delivery, ReplyError, WeChatPlatform, WeChatUser

__all__ = ["Delivery", "ReplyError", "WeChatApiEmulator", "WeChatPlatform", "WeChatUser"]
