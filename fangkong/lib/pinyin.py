"""Pinyin initials for fast search by a name nobody can type on a stair: 张三 -> zs."""

from pypinyin import Style, lazy_pinyin


def initials(name: str) -> str:
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1] for part in letters if part).lower()[:40]
