"""The WeChat Official Account face: typed questions answered by the same engine as Telegram.

    settings   the [wechat] section of the configuration file
    protocol   signatures, safe-mode crypto, parsing and rendering of WeChat's XML (wechatpy)
    fitting    a reply cut to WeChat's 2048 bytes on sentence boundaries, the rest on request
    language   which language a user is answered in: chosen by name, or the question's own
               (the words users type to steer the face: words.toml)
    replies    what the face says: answers, cards, the welcome, the menu's cards
    menu       the account's custom menu as JSON (`python -m bot wechat-menu`)
    face       one conversation step: a parsed message in, the reply text out (deduplicated)
    questions  the hook through which questions reach the organizers' unanswered report
    endpoint   the aiohttp routes on the process's web server

A peer of `handlers` (Telegram) and `web` (the site): it imports wording, answers and storage,
never another face.
"""
