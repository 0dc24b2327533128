"""No template has an inline script or event handler: the Content-Security-Policy would block it
(Chromium reports a blocked handler only when the event fires, so the browser test cannot see it)."""

import re
from pathlib import Path

import baozhang

TEMPLATES = Path(baozhang.__file__).parent / "templates"
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def test_templates_have_no_inline_script_nor_event_handler():
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for pattern in (HANDLER, INLINE_SCRIPT, JAVASCRIPT_URL)
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []
