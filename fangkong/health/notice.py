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
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

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
BOILERPLATE = re.compile(r"^(以上|特此|根据|按照|经综合|如有|请|各|附|商洛市|.*指挥部$|\d{4}年\d{1,2}月\d{1,2}日$)")


@dataclass
class Change:
    name: str
    parent: str
    old_level: str | None
    new_level: str
    effective_from: datetime | None
    section: str = ""


@dataclass
class ParsedNotice:
    number: str = ""
    title: str = ""
    effective_from: datetime | None = None
    changes: list[Change] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def normalise(line: str) -> str:
    line = unicodedata.normalize("NFKC", line)
    line = "".join(line.split())
    line = line.replace("【", "[").replace("】", "]").replace("〔", "(").replace("〕", ")")
    line = line.strip("-*#>•·")
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
    return None


def _items(text: str) -> list[str]:
    return [item.strip("。.") for item in SPLIT.split(text) if item.strip("。.")]


def parse_notice(text: str) -> ParsedNotice:
    result = ParsedNotice()
    lines = [normalise(line) for line in (text or "").replace("零时", "0时").splitlines()]
    lines = [line for line in lines if line]
    # The notice may be pasted with the article around it: read from its title to "特此通告".
    title_at = next((i for i, line in enumerate(lines) if "通告" in line and not line.startswith("特此")), None)
    if title_at is not None:
        result.title = lines[title_at]
        lines = lines[title_at:]
    end_at = next((i for i, line in enumerate(lines) if "特此通告" in line), None)
    if end_at is not None:
        lines = lines[:end_at + 1]
    flat = "".join(lines)
    if match := NUMBER.search(flat):
        result.number = f"第{match[1]}号"
    result.effective_from = _effective(flat)
    if result.effective_from is None:
        result.warnings.append("no_effective_time")

    section = None  # (heading, old level, new level) while inside a section that could be read
    in_unreadable_section = False
    county = town = ""
    promised: list[tuple[str, int, str, str | None]] = []  # (label, count, section, county)

    def add(items):
        for item in items:
            own = ITEM_TOWN.match(item) if county else None
            place_town, name = (own[1], own[2]) if own else (town, item)
            result.changes.append(Change(name, county + place_town, section[1], section[2],
                                         result.effective_from, section[0]))

    for line in lines[1:] if title_at is not None else lines:
        if match := SECTION.match(line):
            heading_text, _sep, rest = match[2].partition(":")
            levels = _levels(heading_text)
            county = town = ""
            if levels is None:
                section, in_unreadable_section = None, True
                result.unparsed.append(line)
                continue
            section, in_unreadable_section = (f"{match[1]}、{heading_text}", *levels), False
            if count := COUNT.search(heading_text):
                promised.append((section[0], int(count[1]), section[0], None))
            add(_items(rest))
            continue
        if BOILERPLATE.match(line) or "特此通告" in line:
            continue
        if section is None:
            # Before any section (the preamble) only lines that look like areas are kept back.
            if in_unreadable_section or ":" in line or "、" in line:
                result.unparsed.append(line)
            continue
        if match := COUNTY.match(line) or COUNTY_ONLY.match(line):
            county, town = match[1], ""
            if match[2]:
                promised.append((f"{section[0]} {county}", int(match[2]), section[0], county))
            add(_items(match[3] if match.re is COUNTY else ""))
            continue
        if match := TOWN.match(line):
            town = match[1]
            add(_items(match[3]))
            continue
        if ":" in line:
            result.unparsed.append(line)
            continue
        add(_items(line))

    for label, count, heading, in_county in promised:
        found = sum(1 for c in result.changes
                    if c.section == heading and (in_county is None or c.parent.startswith(in_county)))
        if found != count:
            result.warnings.append(f"{label}: {count} → {found}")
    return result
