"""`python -m bot`."""

import sys

# Before anything else runs or logs: secrets are redacted from every log record.
from redaction import install

install()

from bot.cli import main  # noqa: E402

sys.exit(main())
