"""Read an official notice that changes risk levels (关于调整风险等级的通告) into proposed changes.

A pure function: text in, ``ParsedNotice`` out, nothing written. The format, as in seed 003:

    商洛市疫情防控应急指挥部 关于调整风险等级的通告 (第20号)
    ……自2022年8月30日12时起,调整风险区域如下:
    一、高风险区降为中风险区(5个)
    商州区(5个):君诚酒店、安居巷市政园林管理处6号楼、……、杨斜镇海棠岔村5组(王某某)。
    二、中风险区降为低风险区(22个)
    山阳县(15个):
    中村镇:街道社区、中村新区社区、土桥村;
    天竺山镇:长沟街社区、高坝店镇高坝街社区、……

Step 1: normalise each line (NFKC turns full-width brackets, colons, semicolons and digits into
ASCII; whitespace is dropped, Chinese names carry none; list markers and Markdown stars go).
Step 2: find the notice number and the effective time anywhere in the text.
Step 3: walk the lines. A numbered section (一、) sets the old and new level; a county heading
(商州区(7个):) sets the place, a town heading (中村镇:) the town within it; items are split on
、 , and ;. An item that starts with a town of its own (高坝店镇高坝街社区) belongs to that town.
Step 4: whatever inside a section cannot be read is returned as it was, for manual entry, and a
count in a heading that differs from the items found is reported as a warning.

The other forms officials write (issue 11), read by the same walk:
- traditional characters (風險區, 調整為) go through OpenCC first (fangkong.lib.vocab); a line
  broken inside a list (ending in 、 or , or the next starting with one) is joined again;
- sentences that carry their own change ("X小区由高风险区调整为中风险区", "X调整为低风险区",
  "将X划定为高风险区", "解除X的封控"), one per line or several in a paragraph (split on 。 and ;);
- unnumbered headings ending with a colon ("将下列区域划定为高风险区:", "新增中风险区:");
- brackets: "(除3号楼外)" is an exception a person must read, so the change is not ticked;
  "(含X)" stays with the area as its detail;
- effective times: "自2022年8月30日12时起", "9月2日0时起" (the year from the signature date),
  "自发布之日起" / "即日起" (the signature date at the bottom);
- sentences that are not areas ("其他区域风险等级不变", "以上区域实行……", "特此通告", the signing
  body and date) are never an area: they are kept as lines of the notice, marked not an area.
Every line of the notice ends in ``lines`` with what became of it (title, heading, change, not an
area, unread), so nothing vanishes; a change whose area or level is uncertain has
``uncertain`` set and is not ticked on the review page. No place name is built in.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from fangkong.lib.vocab import simplify

LEVELS = {"高": "high", "中": "medium", "低": "low"}
NUMERALS = "一二三四五六七八九十"

SECTION = re.compile(rf"^([{NUMERALS}]+)[、.,](.+)$")
LEVEL_CHANGE = re.compile(r"([高中低])风险(?:区|地区|区域)?(?:降|升|调整|下调|上调)(?:级|低|高)?为([高中低])风险")
NEW_AREA = re.compile(r"新增(?:划定|设定)?(?:为)?([高中低])风险")
LIFTED = re.compile(r"([高中低])风险(?:区|地区|区域)?(?:解除|解封)")
COUNT = re.compile(r"\((\d+)个?\)")
COUNTY = re.compile(r"^([^:]{1,12}?(?:区|县|市|旗))(?:\((\d+)个?\))?:(.*)$")
COUNTY_ONLY = re.compile(r"^([^:(]{1,12}?(?:区|县|市|旗))\((\d+)个?\)$")
TOWN = re.compile(r"^([^:]{1,12}?(?:镇|乡|街道|街办|办事处))(?:\((\d+)个?\))?:(.*)$")
ITEM_TOWN = re.compile(r"^(.{2,6}?(?:镇|乡|街道办事处|街道|街办))(.{2,})$")
NUMBER = re.compile(r"第(\d+)号")
EFFECTIVE = re.compile(r"自?(\d{4})年(\d{1,2})月(\d{1,2})日(?:(\d{1,2})(?:时|点|:)(?:(\d{1,2})分?)?)?起")
SPLIT = re.compile(r"[、,;]")
# Lines that say what the areas must do, or sign the notice: not areas, not unreadable either.
BOILERPLATE = re.compile(r"^(以上|上述|特此|根据|按照|经综合|如有|请|各|附|其他|其余|现将|现就"
                         r"|.*(?:指挥部|办公室|人民政府|领导小组)(?:\(.*\))?$|\d{4}年\d{1,2}月\d{1,2}日$)")
# Words that make a sentence not an area whatever else it says.
NOT_AREA = re.compile(r"其他区域|其余区域|其他地区|风险等级不变|保持不变|以上区域|上述区域|实行.*措施|管理办法|"
                      r"特此|通告如下|公告如下|如下:|调整如下")
# A list marker in Arabic digits: 1、 1. (1) 1) — not the 1 of 1号楼.
ARABIC_MARKER = re.compile(r"^(?:\d{1,2}[、.)](?!\d)|\(\d{1,2}\))")
TIME_ONLY = re.compile(r"^(?:.*[,])?自?(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:\d{1,2}(?:时|点)(?:\d{1,2}分)?)?起[,:]?"
                       r"(?:调整(?:风险区域)?如下)?:?$|^(?:.*[,])?自?(?:即日|发布之日|公布之日)起[,:]?$")
SIGNED = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
EFFECTIVE_SHORT = re.compile(r"自?(\d{1,2})月(\d{1,2})日(?:(\d{1,2})(?:时|点|:)(?:(\d{1,2})分?)?)?起")
FROM_SIGNING = re.compile(r"自发布之日起|即日起|自即日起|自公布之日起")
_LEVEL = r"([高中低])风险(?:区|地区|区域)?"
SENTENCE_CHANGE = re.compile(rf"^(?:将)?(.+?)由{_LEVEL}(?:调整|降|升|下调|上调|变更)(?:级|低|高)?为{_LEVEL}")
SENTENCE_TO = re.compile(rf"^(?:将)?(.+?)(?:调整|降|升|下调|上调|变更)(?:级|低|高)?为{_LEVEL}")
SENTENCE_NEW = re.compile(rf"^(?:将|新增)?(.+?)(?:划定|列为|确定|划为|认定)为{_LEVEL}")
SENTENCE_LIFT = re.compile(r"^(?:对)?解除(.+?)(?:的)?(?:封控|管控|封闭)(?:措施|管理)?$"
                           r"|^(.+?)解除(?:封控|管控)(?:措施|管理)?$")
HEADING = re.compile(rf"^(?:将|对)?(?:下列|以下|如下)?(?:区域|地区)?(?:划定|列为|确定|调整|划)?为?(?:新增)?{_LEVEL}"
                     rf"(?:\(\d+个?\))?$|^新增{_LEVEL}(?:\(\d+个?\))?$|^(?:下列|以下)(?:区域|地区)解除(?:封控|管控)"
                     rf"(?:措施)?$|^(?:下列|以下)(?:区域|地区)由{_LEVEL}(?:调整|降|升)为{_LEVEL}$")
EXCEPT = re.compile(r"\((除[^()]*)\)")
INCLUDING = re.compile(r"\((含[^()]*)\)")


@dataclass
class Change:
    name: str
    parent: str
    old_level: str | None
    new_level: str
    effective_from: datetime | None
    section: str = ""
    detail: str = ""  # (含X), (除3号楼外): read with the area
    uncertain: bool = False  # the area or the level needs a person: not ticked by default


@dataclass
class ParsedNotice:
    number: str = ""
    title: str = ""
    effective_from: datetime | None = None
    changes: list[Change] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Every line of the notice and what became of it: "title", "heading", "change", "not_area",
    # "unread"; the level the surrounding text gives an unread line, when it gives one.
    lines: list[tuple[str, str]] = field(default_factory=list)
    unparsed_levels: dict = field(default_factory=dict)
    signed_on: datetime | None = None

    @property
    def complete(self) -> bool:
        """Every line read: nothing left for entry by hand."""
        return not self.unparsed


def normalise(line: str) -> str:
    line = simplify(unicodedata.normalize("NFKC", line))
    line = "".join(line.split())
    line = line.replace("【", "[").replace("】", "]").replace("〔", "(").replace("〕", ")")
    line = line.strip("-*#>•·")
    line = ARABIC_MARKER.sub("", line)
    return line.strip("。.;,、").strip()


def _effective(text: str) -> datetime | None:
    match = EFFECTIVE.search(text)
    if not match:
        return None
    year, month, day, hour, minute = (int(g) if g else 0 for g in match.groups())
    try:
        return timezone.make_aware(datetime(year, month, day, hour, minute), timezone.get_current_timezone())
    except ValueError:
        return None


def _levels(heading: str) -> tuple[str | None, str | None] | None:
    if match := LEVEL_CHANGE.search(heading):
        return LEVELS[match[1]], LEVELS[match[2]]
    if match := NEW_AREA.search(heading):
        return None, LEVELS[match[1]]
    if match := LIFTED.search(heading):
        return LEVELS[match[1]], "none"
    if match := re.search(r"(?:划定|列为|确定|划|认定)为([高中低])风险", heading):
        return None, LEVELS[match[1]]
    if match := re.search(r"由([高中低])风险.{0,4}?为([高中低])风险", heading):
        return LEVELS[match[1]], LEVELS[match[2]]
    return None


def _lifts(text: str) -> bool:
    """解除封控/管控: the notice lifts the measures; the level that follows is the register's guess."""
    return "解除" in text and bool(re.search(r"封控|管控|封闭", text))


def _items(text: str) -> list[str]:
    """Split a list on 、 , and ; but never inside brackets: (除3号楼、5号楼外) stays whole."""
    items, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、,;":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item.strip("。.") for item in items if item.strip("。.")]


def _join_broken(lines: list[str]) -> list[str]:
    """A line broken inside a list (pasted from a PDF or a web page) is joined again."""
    joined: list[str] = []
    for line in lines:
        if joined and (joined[-1].endswith(("、", ",", "(", "由", "为")) or line.startswith(("、", ",", ")"))):
            joined[-1] += line
        else:
            joined.append(line)
    return joined


def _sentence_change(sentence: str):
    """(areas text, old level, new level, uncertain) of a sentence that carries its own change."""
    sentence = re.sub(r"^.*?起[,:]?", "", sentence) if re.search(r"起[,:]", sentence) else sentence
    if match := SENTENCE_CHANGE.match(sentence):
        return match[1], LEVELS[match[2]], LEVELS[match[3]], False
    if match := SENTENCE_NEW.match(sentence):
        return match[1], None, LEVELS[match[2]], False
    if match := SENTENCE_TO.match(sentence):
        return match[1], None, LEVELS[match[2]], False
    if match := SENTENCE_LIFT.match(sentence):
        return match[1] or match[2], None, "low", True
    return None


def _has_sentence_change(line: str) -> bool:
    changes = re.search(r"(?:调整|降|升|下调|上调|变更|划定|列为|确定|划为|认定)(?:级|低|高)?为[高中低]风险"
                        r"|解除.+?(?:封控|管控)|.解除(?:封控|管控)", line)
    return bool(changes) and not HEADING.match(line.partition(":")[0].rpartition(",")[2])


def _signed_on(lines: list[str]) -> datetime | None:
    for line in reversed(lines):
        if match := SIGNED.match(line):
            try:
                return timezone.make_aware(datetime(int(match[1]), int(match[2]), int(match[3])),
                                           timezone.get_current_timezone())
            except ValueError:
                return None
    return None


def _effective_in(flat: str, signed: datetime | None) -> datetime | None:
    found = _effective(flat)
    if found is not None:
        return found
    if signed is not None and (match := EFFECTIVE_SHORT.search(flat)):
        month, day, hour, minute = (int(g) if g else 0 for g in match.groups())
        try:
            return timezone.make_aware(datetime(signed.year, month, day, hour, minute), timezone.get_current_timezone())
        except ValueError:
            return None
    if signed is not None and FROM_SIGNING.search(flat):
        return signed
    return None


def parse_notice(text: str) -> ParsedNotice:
    result = ParsedNotice()
    raw = [simplify("".join(unicodedata.normalize("NFKC", line).split()))
           for line in (text or "").replace("零时", "0时").splitlines()]
    lines = [normalise(line) for line in _join_broken([line for line in raw if line])]
    lines = [line for line in lines if line]
    # The notice may be pasted with the article around it: read from its title to "特此通告".
    title_at = next((i for i, line in enumerate(lines) if re.search(r"关于.*(?:通告|公告|通知)", line)), None)
    if title_at is None:
        title_at = next((i for i, line in enumerate(lines)
                         if re.search(r"通告|公告", line) and not line.startswith("特此") and len(line) < 80), None)
    if title_at is not None:
        result.title = lines[title_at]
        result.lines.append((lines[title_at], "title"))
        lines = lines[title_at:]
    end_at = next((i for i, line in enumerate(lines) if "特此通告" in line or "特此公告" in line), None)
    signed = _signed_on(lines)
    if end_at is not None:
        # The signature after "特此通告" (the body and the date) belongs to the notice too.
        tail = [line for line in lines[end_at + 1:end_at + 4] if BOILERPLATE.match(line)]
        lines = lines[:end_at + 1] + tail
    result.signed_on = signed
    flat = "".join(lines)
    if match := NUMBER.search(flat):
        result.number = f"第{match[1]}号"
    result.effective_from = _effective_in(flat, signed)
    if result.effective_from is None:
        result.warnings.append("no_effective_time")

    section = None  # (heading, old level, new level, uncertain) while inside a section that could be read
    in_unreadable_section = False
    county = town = ""
    promised: list[tuple[str, int, str, str | None]] = []  # (label, count, section, county)

    def unread(line, level=None):
        result.unparsed.append(line)
        result.lines.append((line, "unread"))
        level = level or (section[2] if section else None)
        if level:
            result.unparsed_levels[line] = level

    def change(name, parent, old, new, heading, uncertain):
        detail = ""
        if match := EXCEPT.search(name):
            detail, uncertain = match[1], True
            name = EXCEPT.sub("", name)
        elif match := INCLUDING.search(name):
            detail = match[1]
            name = INCLUDING.sub("", name)
        if NOT_AREA.search(name) or len(name) < 2:
            return False
        result.changes.append(Change(name, parent, old, new, result.effective_from, heading, detail,
                                     uncertain or len(name) > 60))
        return True

    def add(items):
        for item in items:
            own = ITEM_TOWN.match(item) if county else None
            place_town, name = (own[1], own[2]) if own else (town, item)
            if not change(name, county + place_town, section[1], section[2], section[0], section[3]):
                unread(item)

    def sentences(line):
        """A line of sentences that carry their own changes."""
        read_any, left = False, []
        for sentence in (part for part in re.split(r"[。;]", line) if part):
            if BOILERPLATE.match(sentence) or NOT_AREA.search(sentence):
                continue
            found = _sentence_change(sentence)
            if found is None:
                left.append(sentence)
                continue
            areas, old, new, uncertain = found
            parent = county
            if ":" in areas:
                parent, _sep, areas = areas.rpartition(":")
                parent = re.sub(r"\(\d+个?\)$", "", parent)
            for item in _items(areas):
                if change(item, parent, old, new, line[:40], uncertain):
                    read_any = True
                else:
                    left.append(item)
        for sentence in left:
            unread(sentence)
        if read_any:
            result.lines.append((line, "change"))
        elif not left:
            result.lines.append((line, "not_area"))

    for line in lines[1:] if title_at is not None else lines:
        if match := SECTION.match(line):
            heading_text, _sep, rest = match[2].partition(":")
            levels = _levels(heading_text)
            county = town = ""
            if levels is None and _lifts(heading_text):
                levels = (None, "low")
            if levels is None:
                section, in_unreadable_section = None, True
                unread(line)
                continue
            section = (f"{match[1]}、{heading_text}", *levels, _lifts(heading_text))
            in_unreadable_section = False
            result.lines.append((line, "heading"))
            if count := COUNT.search(heading_text):
                promised.append((section[0], int(count[1]), section[0], None))
            add(_items(rest))
            continue
        heading_text, colon, rest = line.partition(":")
        # "根据……,自即日起,将下列区域划定为高风险区:": the heading is the last clause.
        heading_text = heading_text.rpartition(",")[2]
        if HEADING.match(heading_text):
            levels = _levels(heading_text) or (None, "low")
            section, in_unreadable_section = (heading_text, *levels, _lifts(heading_text)), False
            county = town = ""
            result.lines.append((line, "heading"))
            if count := COUNT.search(heading_text):
                promised.append((section[0], int(count[1]), section[0], None))
            add(_items(rest))
            continue
        if _has_sentence_change(line):
            sentences(line)
            continue
        if BOILERPLATE.match(line) or "特此通告" in line or NOT_AREA.search(line) or TIME_ONLY.match(line):
            result.lines.append((line, "not_area"))
            continue
        if section is None:
            # Before any section (the preamble) only lines that look like areas are kept back.
            if in_unreadable_section or ":" in line or "、" in line:
                unread(line)
            else:
                result.lines.append((line, "not_area"))
            continue
        if match := COUNTY.match(line) or COUNTY_ONLY.match(line):
            county, town = match[1], ""
            result.lines.append((line, "heading"))
            if match[2]:
                promised.append((f"{section[0]} {county}", int(match[2]), section[0], county))
            add(_items(match[3] if match.re is COUNTY else ""))
            continue
        if match := TOWN.match(line):
            town = match[1]
            result.lines.append((line, "heading"))
            add(_items(match[3]))
            continue
        if ":" in line:
            unread(line)
            continue
        result.lines.append((line, "change"))
        add(_items(line))

    for label, count, heading, in_county in promised:
        found = sum(1 for c in result.changes
                    if c.section == heading and (in_county is None or c.parent.startswith(in_county)))
        if found != count:
            result.warnings.append(f"{label}: {count} → {found}")
    return result
