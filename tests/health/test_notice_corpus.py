"""The notice corpus (tests/health/notices/*.txt): notices in the forms officials write them, each
with the reading expected of it. Each file: the notice, a line "=== expected", the effective time,
then one line per change (parent|name|old level|new level|uncertain) and "unread: line" for each
line the parser must show for entry by hand."""

from datetime import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from fangkong.health.notice import parse_notice

CORPUS = sorted((Path(__file__).parent / "notices").glob("*.txt"))


def load(path):
    text, _sep, expected = path.read_text(encoding="utf-8").partition("=== expected\n")
    lines = [line for line in expected.splitlines() if line.strip()]
    effective = lines[0].removeprefix("effective: ").strip()
    at = None if effective == "none" else timezone.make_aware(datetime.strptime(effective, "%Y-%m-%d %H:%M"))
    changes = [tuple(line.split("|")) for line in lines[1:] if not line.startswith("unread: ")]
    unread = [line.removeprefix("unread: ") for line in lines[1:] if line.startswith("unread: ")]
    return text, at, changes, unread


def reading(parsed):
    return [(c.parent, c.name, c.old_level or "", c.new_level, "uncertain" if c.uncertain else "")
            for c in parsed.changes]


def test_the_corpus_covers_at_least_fifteen_notices():
    assert len(CORPUS) >= 15


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_notice_reads_as_expected(path):
    text, at, changes, unread = load(path)
    parsed = parse_notice(text)
    assert reading(parsed) == changes
    assert parsed.effective_from == at
    assert parsed.unparsed == unread


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_no_sentence_that_is_not_an_area_becomes_one(path):
    parsed = parse_notice(load(path)[0])
    for change in parsed.changes:
        assert not any(word in change.name for word in ("风险等级不变", "其他区域", "实行", "特此", "措施"))


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_every_line_of_the_notice_is_accounted_for(path):
    parsed = parse_notice(load(path)[0])
    kinds = {kind for _line, kind in parsed.lines}
    assert kinds <= {"title", "heading", "change", "not_area", "unread"}
    assert [line for line, kind in parsed.lines if kind == "unread"] or not parsed.unparsed


def corpus_figure():
    """How many notices of the corpus the parser reads completely (as expected, nothing unread)."""
    done = 0
    for path in CORPUS:
        text, at, changes, unread = load(path)
        parsed = parse_notice(text)
        done += reading(parsed) == changes and parsed.effective_from == at and not parsed.unparsed
    return done, len(CORPUS)
