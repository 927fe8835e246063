"""The services every face shares, made once at start: the store and the answer engine on it.

Storage does not import the engine (tests/architecture/test_layers.py): the process hands the
store the engine's indexer when it opens it, then builds the engine on the store's answer
tables and FAQ and subscribes it to their changes. Every entry point (`run` and the offline
`chat` through bot/app.py, `web`, `wechat-chat`, `qr`, `wechat-menu`), the benchmarks and the
tests open them here, so they all answer alike.
"""

from __future__ import annotations

from pathlib import Path

from answers.engine import AnswerEngine
from answers.index import Indexer
from storage.content import LoadedContent
from storage.store import Store


async def open_store(
    path: Path, content_path: Path | None = None, loaded: LoadedContent | None = None
) -> Store:
    """The store at `path` with the content file (`None`: the bundled one) and its answer index.

    `loaded` is that file already parsed (the CLI validates it before starting the bot)."""
    return await Store.open(path, content_path, loaded, indexer=Indexer())


def answer_engine(store: Store) -> AnswerEngine:
    """The engine over `store`: it reads the index again after a content reload and the
    organizers' FAQ again after any change to it. One engine per store (it takes both hooks)."""
    engine = AnswerEngine(store.answer_tables, extra=store.faq)
    store.faq.on_change = engine.reset
    store.on_content_change = engine.reset
    return engine
