"""Chinese first: every literal a template passes to {% translate %} has a zh-hans translation,
looked up the way the tag looks it up (it doubles a percent sign first: a catalogue entry for
"Close tube %s" alone is never found, and the sampler saw English)."""

import re
from pathlib import Path

from django.template import Context, Template
from django.utils import translation

import fangkong

ROOT = Path(fangkong.__file__).parent
LITERAL = re.compile(r"""\{%\s*translate\s+(?:"([^"]+)"|'([^']+)')(?:\s+context\s+"[^"]*")?\s*(?:as\s+\w+\s*)?%\}""")
# Words that read the same in Chinese (codes, units, names of formats).
SAME = {"API", "PDF", "xlsx", "CSV", "QR", "ID", "OK", "GeoJSON", "Excel", "A4", "A3", "—", "·"}


def test_every_translate_literal_in_the_templates_reads_in_chinese():
    untranslated = []
    with translation.override("zh-hans"):
        for path in sorted(ROOT.rglob("templates/**/*.html")):
            for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
                text = match.group(1) or match.group(2)
                if text in SAME or not re.search(r"[A-Za-z]{2}", text):
                    continue
                quote = '"' if match.group(1) else "'"
                shown = Template("{% load i18n %}{% translate " + quote + text + quote + " %}").render(Context())
                if shown == text.replace("%%", "%"):
                    untranslated.append(f"{path.relative_to(ROOT)}: {text}")
    assert untranslated == []
