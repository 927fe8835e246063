"""Benchmarks against the framework floor and Telegram's limits: `python -m bench [--quick]`.

Each module names one benchmark (NAME) and has `async def run(quick: bool) -> Result`.
"""
