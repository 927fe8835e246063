"""Local Telegram Bot API emulator for offline tests and benchmarks."""

from tgemu.client import EmulatorClient
from tgemu.server import ApiError, BotApiEmulator, Call, UploadedFile

__all__ = ["ApiError", "BotApiEmulator", "Call", "EmulatorClient", "UploadedFile"]
