"""The framework floor: a bare python-telegram-bot bot with one command and library defaults.

`python -m bench.bare_bot --base-url URL --token T` answers /about with a fixed text. Nothing of
ours is involved: ApplicationBuilder defaults (sequential update processing, default HTTPX
request), one CommandHandler, run_polling.
"""

from __future__ import annotations

import argparse
import logging

from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

REPLY = "A conference on new materials, Nanjing, 2020."


async def about(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with a fixed text."""
    if update.effective_chat is not None:
        await update.effective_chat.send_message(REPLY)


def main() -> None:
    """Parse the arguments and poll until SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench.bare_bot")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    application = ApplicationBuilder().token(args.token).base_url(args.base_url).build()
    application.add_handler(CommandHandler("about", about))
    application.run_polling()


if __name__ == "__main__":
    main()
