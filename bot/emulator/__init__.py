"""Local Telegram Bot API emulator for offline tests and benchmarks."""

from bot.emulator.client import EmulatorClient
from bot.emulator.server import ApiError, BotApiEmulator, Call, UploadedFile

__all__ = ["ApiError", "BotApiEmulator", "Call", "EmulatorClient", "UploadedFile"]
