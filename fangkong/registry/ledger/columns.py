"""The columns of a people ledger (台账): the names real ledgers give them, and the values in them.

Header cells are matched by name, never by position. A name is normalised before it is looked
up: full-width characters become half-width (NFKC), spaces and asterisks ("*姓名", required-field
marks) go, English names are lower-cased with spaces and dashes read as underscores, and a note in
brackets ("房号（如101）") is tried without the note.
"""

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from fangkong.core.models import CareTag, IdType, Residency, Sex
from fangkong.lib import vocab
from fangkong.lib.sheets import FORMULA_START, escape_formula  # noqa: F401 - the exporter uses it from here

# field -> the header names that mean it. The first name is the one exports and templates write.
SYNONYMS = {
    "name": ["姓名", "name", "名字"],
    "sex": ["性别", "sex", "gender"],
    "id_type": ["证件类型", "id_type", "document type"],
    "id_number": ["身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "身份证", "id_number", "id_no"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "birth_date", "date of birth", "birthday"],
    "phone": ["手机号", "手机号码", "联系电话", "电话", "联系方式", "手机", "phone", "mobile"],
    "grid": ["网格", "所属网格", "网格名称", "grid"],
    # 小区 and 单元 (issue 10 §1b): optional; a community of one estate, or an old village, has none.
    "estate": ["小区", "小区名称", "所属小区", "小区名", "estate"],
    "entrance": ["单元", "单元号", "entrance", "stairwell"],
    # One cell for the whole address (金岸小区3号楼2单元301, 3-2-301), instead of 楼栋/单元/房号.
    "address": ["地址", "住址", "家庭住址", "现住址", "居住地址", "详细地址", "房屋地址", "address"],
    # The community a row belongs to: checked against the one imported into, nothing stored.
    "community": ["社区", "所属社区", "社区名称", "community"],
    "building": ["楼栋", "楼号", "栋", "楼栋号", "门牌", "building", "door_number", "door number"],
    "room": ["房号", "门牌号", "室", "房间号", "户号", "room"],
    "relation": ["与户主关系", "户主关系", "relation"],
    "residency": ["人员类型", "常住或流动", "人口类型", "户籍类型", "type", "residency"],
    "occupation": ["职业", "occupation"],
    "workplace": ["工作单位", "单位", "workplace", "employer"],
    "tags": ["特殊人群", "特殊群体", "重点关注", "需特别关注", "tags", "special care"],
    "landlord": ["房东", "房东姓名", "landlord"],
    "landlord_phone": ["房东电话", "房东手机", "房东联系电话", "landlord_phone", "landlord phone"],
    "note": ["备注", "note", "notes", "remark"],
}
# Columns the error report adds: read back, they are known and skipped rather than "unknown".
REPORT_COLUMNS = {"row": ["原行号", "source row"], "reason": ["原因", "reason", "错误原因"]}
REQUIRED = ["name", "building", "room"]
# An address column stands for the building and room columns (it names both).
REPLACED_BY_ADDRESS = {"building", "room"}
# The order of exports and templates.
EXPORT_ORDER = ["name", "sex", "id_type", "id_number", "birth_date", "phone", "grid", "estate", "building",
                "entrance", "room", "relation", "residency", "occupation", "workplace", "tags", "landlord",
                "landlord_phone", "note"]
FIELD_LABELS = {
    "name": _("name"), "sex": _("sex"), "id_type": _("document type"), "id_number": _("ID number"),
    "birth_date": _("date of birth"), "phone": _("phone"), "grid": _("grid"), "building": _("building"),
    "room": _("room"), "relation": _("relation to householder"), "residency": _("resident or migrant"),
    "occupation": _("occupation"), "workplace": _("workplace"), "tags": _("special care"),
    "landlord": _("landlord"), "landlord_phone": _("landlord's phone"), "note": _("note"),
    "estate": _("estate"), "entrance": _("entrance"), "address": _("address"), "community": _("community"),
}

# Traditional characters of the headers and place words (社區, 單元, 樓號, 房號, 身份證號, 聯系電話 …)
# read as simplified:
# ledgers typed in Hong Kong, Macao or Taiwan input methods, or on a traditional-set machine.
_TRADITIONAL = str.maketrans("區號樓單棟門層廈園戶間東華龍灣聯電話碼證號職業備註類關係與別網們員態種體稱屬詳細際現會",
                             "区号楼单栋门层厦园户间东华龙湾联电话码证号职业备注类关系与别网们员态种体称属详细际现会")


def simplify(text: str) -> str:
    """The place words of ``text`` in simplified characters (only those: names stay as written)."""
    return str(text or "").translate(_TRADITIONAL)


_ADDR_TOKEN = r"[0-9A-Za-z]+"
_ADDR_DASHED = re.compile(rf"^(?P<estate>.*?[^0-9A-Za-z\-\s])?\s*(?P<door>{_ADDR_TOKEN})\s*[-—－]\s*"
                          rf"(?:(?P<entrance>{_ADDR_TOKEN})\s*[-—－]\s*)?(?P<room>{_ADDR_TOKEN})$")
_ADDR_WORDED = re.compile(
    rf"^(?P<estate>.*?)\s*(?P<door>{_ADDR_TOKEN})\s*(?:号楼|号|栋|幢|楼|座)"
    rf"\s*(?:(?P<entrance>{_ADDR_TOKEN})\s*单元)?\s*(?P<room>{_ADDR_TOKEN})\s*(?:室|号|房)?$")


def parse_address(text: str) -> tuple[str, str, str, str] | None:
    """(estate, door, entrance, room) of one address cell, or None when it is not written as one:
    金岸小区3号楼2单元301, 金岸小區3號樓2單元301室, 3-2-301 (door-entrance-room), 3-301,
    龙海佳园10-1-502. The estate is as written (the importer matches it to the registered ones)."""
    text = unicodedata.normalize("NFKC", simplify(text)).strip()
    for pattern in (_ADDR_DASHED, _ADDR_WORDED):
        match = pattern.match(text)
        if match:
            return ((match["estate"] or "").strip(), match["door"], match["entrance"] or "", match["room"])
    return None


_ESTATE_WORDS = re.compile(r"(小区|花园|家园|佳园|公寓|苑|社区)$")


def estate_key(name: str) -> str:
    """The key an estate is matched by: 金岸小区, 金岸小區 and 金岸 are one estate."""
    key = unicodedata.normalize("NFKC", simplify(name)).replace(" ", "").upper()
    while True:  # 龙海佳园小区 and 龙海佳园 are both 龙海
        shorter = _ESTATE_WORDS.sub("", key)
        if shorter == key or not shorter:
            return key
        key = shorter


def entrance_key(number: str) -> str:
    """2, 2单元 and 單元2 are entrance 2 (anything else as written)."""
    key = unicodedata.normalize("NFKC", simplify(number)).replace(" ", "").upper()
    return re.sub(r"^单元|单元$", "", key) or key


def normalize_header(value) -> str:
    text = unicodedata.normalize("NFKC", simplify(str(value or "")))
    text = re.sub(r"[\s*:：]+", "", text) if not text.isascii() else text.strip(" *:\t\r\n")
    text = text.lower()
    return re.sub(r"[\s\-]+", "_", text.strip()).strip("_*")


_LOOKUP = {normalize_header(name): field for field, names in {**SYNONYMS, **REPORT_COLUMNS}.items()
           for name in names}
_BRACKETS = re.compile(r"[(\[【].*?[)\]】]")


def field_for_header(value) -> str | None:
    key = normalize_header(value)
    if not key:
        return None
    found = _LOOKUP.get(key)
    if found is None and _BRACKETS.search(key):
        found = _LOOKUP.get(_BRACKETS.sub("", key).strip("_"))
    return found


def map_header(cells) -> tuple[dict[str, int], list[str]]:
    """Column index of each known field (the first column wins when two mean the same), and the
    names of the columns that will be ignored."""
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        text = cell_text(cell)
        if not text:
            continue
        field = field_for_header(text)
        if field is None or field in mapping:
            ignored.append(text)
        else:
            mapping[field] = index
    return mapping, ignored


def looks_like_header(cells) -> bool:
    """A header names the person and at least one other known column."""
    fields = {field_for_header(cell_text(cell)) for cell in cells if cell not in (None, "")}
    return "name" in fields and len(fields - {None}) >= 2


# --- cell values ----------------------------------------------------------------------------



def cell_text(value) -> str:
    """A cell as the text a person typed: 101.0 -> "101", dates as 2020-01-31, an escaped
    formula ("'=1") without its apostrophe."""
    if type(value) is str:
        if value and (value[0] in " '\u3000\u00a0" or value[-1] in " \u3000\u00a0\t\r\n"):
            return _clean_text(value)
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _clean_text(str(value))


def _clean_text(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u3000", " ").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        text = text[1:]
    return text


def is_numeric_cell(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


SEX_WORDS = {"男": Sex.MALE, "女": Sex.FEMALE, "m": Sex.MALE, "f": Sex.FEMALE, "male": Sex.MALE,
             "female": Sex.FEMALE, "男性": Sex.MALE, "女性": Sex.FEMALE}
SEX_LABELS = {Sex.MALE: "男", Sex.FEMALE: "女"}

RESIDENCY_WORDS = {
    "常住": Residency.RESIDENT, "常住人口": Residency.RESIDENT, "户籍": Residency.RESIDENT,
    "户籍人口": Residency.RESIDENT, "本地": Residency.RESIDENT, "resident": Residency.RESIDENT,
    "流动": Residency.MIGRANT, "流动人口": Residency.MIGRANT, "外来": Residency.MIGRANT,
    "外来人口": Residency.MIGRANT, "暂住": Residency.MIGRANT, "租户": Residency.MIGRANT,
    "migrant": Residency.MIGRANT,
}
RESIDENCY_LOOKUP = vocab.vocabulary({code: [word] for word, code in RESIDENCY_WORDS.items()}) | {
    vocab.fold(word): code for word, code in RESIDENCY_WORDS.items()}
RESIDENCY_LABELS = {Residency.RESIDENT: "常住", Residency.MIGRANT: "流动"}

ID_TYPE_WORDS = {
    "居民身份证": IdType.RESIDENT_ID, "身份证": IdType.RESIDENT_ID, "resident_id": IdType.RESIDENT_ID,
    "港澳台居民居住证": IdType.RESIDENCE_PERMIT, "居住证": IdType.RESIDENCE_PERMIT,
    "residence_permit": IdType.RESIDENCE_PERMIT,
    "外国人永久居留身份证": IdType.FOREIGN_PERMANENT, "永久居留证": IdType.FOREIGN_PERMANENT,
    "foreign_permanent": IdType.FOREIGN_PERMANENT,
    "港澳台通行证": IdType.HMT_PASS, "回乡证": IdType.HMT_PASS, "台胞证": IdType.HMT_PASS,
    "通行证": IdType.HMT_PASS, "hmt_pass": IdType.HMT_PASS,
    "护照": IdType.PASSPORT, "passport": IdType.PASSPORT,
    "其他": IdType.OTHER, "其他证件": IdType.OTHER, "other": IdType.OTHER,
    "无": IdType.NONE, "无证件": IdType.NONE, "none": IdType.NONE,
}
ID_TYPE_LABELS = {IdType.RESIDENT_ID: "居民身份证", IdType.RESIDENCE_PERMIT: "港澳台居民居住证",
                  IdType.FOREIGN_PERMANENT: "外国人永久居留身份证", IdType.HMT_PASS: "港澳台通行证",
                  IdType.PASSPORT: "护照", IdType.OTHER: "其他", IdType.NONE: "无"}

# The care labels ledgers use, and the common ways of writing them (fangkong.lib.vocab adds the
# traditional forms and the forms with or without 人员/人群/户).
TAG_WORDS = {
    CareTag.ELDERLY_ALONE: ["独居老人", "独居", "独居老年人", "空巢老人", "孤寡老人", "孤寡", "空巢", "独居长者",
                            "elderly_alone"],
    CareTag.BEDRIDDEN: ["卧床", "长期卧床", "卧床老人", "瘫痪", "瘫痪在床", "失能", "失能老人", "bedridden"],
    CareTag.PREGNANT: ["孕妇", "孕产妇", "怀孕", "孕期", "待产", "产妇", "pregnant"],
    CareTag.INFANT: ["婴幼儿", "婴儿", "幼儿", "新生儿", "infant"],
    CareTag.DIALYSIS: ["透析", "血透", "血液透析", "透析患者", "腹透", "dialysis"],
    CareTag.CHRONIC: ["慢性病", "慢病", "慢性病患者", "基础病", "基础疾病", "重症", "重病", "chronic"],
    CareTag.DISABILITY: ["残疾", "残疾人", "残障", "残疾人士", "disability"],
    CareTag.EXAM_STUDENT: ["考生", "高考生", "中考生", "中高考考生", "高考考生", "中考考生", "高三学生", "初三学生",
                           "高三", "初三", "毕业班学生", "exam_student"],
    CareTag.HARDSHIP: ["困难", "困难户", "低保", "低保户", "特困", "困难群众", "生活困难", "困难家庭", "经济困难",
                       "特困供养", "hardship"],
}
TAG_LOOKUP = vocab.vocabulary(TAG_WORDS)
SEX_FOLDED = {vocab.fold(word): code for word, code in SEX_WORDS.items()}
ID_TYPE_FOLDED = {vocab.fold(word): code for word, code in ID_TYPE_WORDS.items()}
TAG_LABELS = {tag: words[0] for tag, words in TAG_WORDS.items()}
NO_TAG = {"无", "-", "/", "否", "none"}


def parse_tags(text: str) -> tuple[set[str], list[str]]:
    """(tags found, labels not understood, as written). Several labels in one cell are split on
    、，, ; / and spaces; traditional characters and the 人员/人群 suffix are understood."""
    tags, unknown = set(), []
    for word in vocab.split_labels(text):
        if word.lower() in NO_TAG:
            continue
        tag = vocab.look_up(TAG_LOOKUP, word)
        if tag is None:
            unknown.append(word)
        else:
            tags.add(str(tag))
    return tags, unknown


def tags_text(tags) -> str:
    return "、".join(TAG_LABELS[CareTag(tag)] for tag in sorted(tags))


_DOOR_SUFFIX = re.compile(r"(号楼|号|栋|幢|楼|座)$")
_ROOM_SUFFIX = re.compile(r"(室|房|号)$")


@lru_cache(maxsize=1 << 16)
def place_key(text: str, room: bool = False) -> str:
    """The key a door or room number is matched by: 564号 and ５６４ are door 564."""
    key = unicodedata.normalize("NFKC", text).replace(" ", "").upper()
    return (_ROOM_SUFFIX if room else _DOOR_SUFFIX).sub("", key) or key


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value) -> dt.date | None:
    """A date from a cell: a real date, an Excel serial number, or text in the usual forms.
    Raises ValueError when the text is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if is_numeric_cell(value) and 1 < value < 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = cell_text(value).split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)
