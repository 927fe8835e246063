"""QR codes for posters: the deep link of every card as a printable code.

segno draws the codes: error correction level H (a code stays readable with about 30% of it
covered by a logo or a crease), the standard 4-module quiet zone, and PNGs large enough to
print (PNG_SCALE pixels per module, tagged PRINT_DPI) next to SVGs that scale to any size.
The print set's index page is a Jinja2 template with autoescaping.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import segno

from storage.content import LANGUAGES

ERROR_CORRECTION = "h"
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
PNG_SCALE = (
    20  # pixels per module: a 37-module code with its quiet zone is 900 px, 7.6 cm at 300 dpi
)
PRINT_DPI = 300
SVG_MODULE_MM = 1.5  # an SVG module in millimetres: the same code about 7 cm wide
INDEX = "index.html"

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("handlers.kit", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True, slots=True)
class DeepLink:
    """One card's deep link: its key, /start payload, URL and title in each language."""

    card: str
    payload: str
    url: str
    titles: dict[str, str]


def qr_code(url: str) -> segno.QRCode:
    """A regular (not micro) QR code for `url` at the highest error correction."""
    return segno.make(url, error=ERROR_CORRECTION, micro=False, boost_error=False)


def qr_png(url: str) -> bytes:
    """The PNG of `url`'s code, print-sized, with its quiet zone."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=PNG_SCALE, border=QUIET_ZONE, dpi=PRINT_DPI)
    return buffer.getvalue()


def write_print_set(out: Path, links: Sequence[DeepLink]) -> list[Path]:
    """<payload>.png and <payload>.svg for every link and an index page; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for link in links:
        code = qr_code(link.url)
        png = out / f"{link.payload}.png"
        code.save(str(png), kind="png", scale=PNG_SCALE, border=QUIET_ZONE, dpi=PRINT_DPI)
        svg = out / f"{link.payload}.svg"
        code.save(
            str(svg),
            kind="svg",
            scale=SVG_MODULE_MM,
            unit="mm",
            border=QUIET_ZONE,
            title=link.titles.get(LANGUAGES[0], link.payload),
        )
        written += [png, svg]
    index = out / INDEX
    page = _templates.get_template("posters.html.j2").render(
        links=links,
        languages=LANGUAGES,
        quiet_zone=QUIET_ZONE,
        error_correction=ERROR_CORRECTION.upper(),
        dpi=PRINT_DPI,
    )
    index.write_text(page, encoding="utf-8")
    written.append(index)
    return written
