#!/usr/bin/env bash
# Remakes docs/images/chat.png and docs/images/site.png: a real `python -m bot chat` transcript
# rendered as an HTML page, and a real `python -m bot web` page, both shot by headless Chromium.
# Run from the repository root after `pip install -e .`: bash docs/images/make-screenshots.sh
# (Debian: chromium, fonts-noto-cjk and fonts-noto-color-emoji for the emoji of the buttons).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
OUT=docs/images
WORK=$(mktemp -d)
trap 'kill "$WEB" 2>/dev/null || true; rm -rf "$WORK"' EXIT

shoot() {  # URL FILE WIDTH HEIGHT
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --screenshot="$2" --window-size="$3,$4" "$1" 2>/dev/null
}

# The chat: piped input is echoed as "> line", so the transcript reads as a conversation.
printf '/start\nHow many researchers work at JITRI?\nкто председательствовал на саммите?\n' \
    | "$PY" -m bot chat --lang en >"$WORK/chat.txt"
"$PY" - "$WORK/chat.txt" "$WORK/chat.html" <<'EOF'
import html
import sys
from pathlib import Path

lines = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
rows = []
for line in lines:
    if line.startswith("> "):
        rows.append(f'<div class="me">{html.escape(line[2:])}</div>')
    elif line.startswith("[") and "]" in line:
        rows.append(f'<div class="buttons">{html.escape(line)}</div>')
    else:
        rows.append(f'<div class="bot">{html.escape(line) or "&nbsp;"}</div>')
page = f"""<!doctype html><meta charset="utf-8"><title>python -m bot chat</title>
<style>
body {{ margin: 0; background: #1e1e1e; color: #ddd; padding: 18px 22px;
       font: 15px/1.45 "DejaVu Sans Mono", "Noto Sans Mono CJK SC", "Noto Color Emoji", monospace; }}
.prompt {{ color: #8a8; }}
.me {{ color: #fff; background: #2f4f6f; display: inline-block; padding: 2px 8px;
       border-radius: 6px; margin: 10px 0 6px; }}
.me::before {{ content: "> "; color: #9cf; }}
.bot {{ white-space: pre-wrap; }}
.buttons {{ color: #fc6; white-space: pre-wrap; }}
</style>
<div class="prompt">$ printf '…' | python -m bot chat --lang en</div>
{chr(10).join(rows)}
"""
Path(sys.argv[2]).write_text(page, encoding="utf-8")
EOF
shoot "file://$WORK/chat.html" "$OUT/chat.png" 1000 910

# The site: the bundled content on a temporary database, as `python -m bot web` does alone.
PORT=8765
"$PY" -m bot web --port "$PORT" >"$WORK/web.log" 2>&1 &
WEB=$!
for _ in $(seq 50); do grep -q "Web site at" "$WORK/web.log" && break; sleep 0.2; done
shoot "http://127.0.0.1:$PORT/en/search?q=how+many+researchers+work+at+JITRI" "$OUT/site.png" 1100 720
echo "wrote $OUT/chat.png and $OUT/site.png"
