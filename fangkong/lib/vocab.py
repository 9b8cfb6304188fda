"""The field's words, read the way the field writes them: one place for every vocabulary that
comes in from outside (ledgers, notices, lab files).

``simplify`` turns traditional characters into simplified ones with OpenCC (three of the five
field reports are written in them: 高三學生, 風險區, 陽性); names are stored as written, only the
words we look up go through it. ``fold`` is what a lookup compares: simplified, NFKC (full-width
letters, digits and punctuation made plain), lower case, no spaces. ``split_labels`` cuts a cell
that holds several labels (独居老人、孕妇 / 残疾人,低保户).

A vocabulary is a dict from folded word to code, built with ``vocabulary``: it accepts the
synonyms given, and each with or without the suffixes 人员 / 人群 / 群众 / 户 the field adds.
"""

import re
import unicodedata
from functools import lru_cache

LABEL_SEPARATORS = re.compile(r"[、，,;；/／|\s]+")
SUFFIXES = ("人员", "人群", "群众", "户", "者")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def simplify(text: str) -> str:
    """Traditional characters to simplified (Hong Kong and Taiwan forms too); ASCII untouched."""
    if not text or text.isascii():
        return text
    return _converter().convert(text)


@lru_cache(maxsize=1)
def _to_traditional():
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=4096)
def traditionalize(text: str) -> str:
    """Simplified characters to traditional ones: the other form a name may be stored in (search
    tries both; one simplified character can have several traditional ones, OpenCC picks the usual)."""
    if not text or text.isascii():
        return text
    return _to_traditional().convert(text)


def fold(text) -> str:
    """The form a vocabulary lookup compares: simplified, NFKC, lower case, no whitespace."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return simplify("".join(text.split()).lower())


def strip_suffix(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)]
    return word


def vocabulary(words: dict) -> dict:
    """{code: (word, word, ...)} to {folded word: code}, each word also without its suffix."""
    found = {}
    for code, synonyms in words.items():
        for word in synonyms:
            folded = fold(word)
            found.setdefault(folded, code)
            found.setdefault(strip_suffix(folded), code)
    return found


def look_up(vocab: dict, word):
    """The code of one word, or None: exact, then without the 人员/人群 suffix."""
    folded = fold(word)
    if not folded:
        return None
    return vocab.get(folded) or vocab.get(strip_suffix(folded))


def split_labels(cell) -> list[str]:
    """The labels of one cell, as written (stripped), in order, without repeats."""
    text = unicodedata.normalize("NFKC", str(cell or ""))
    seen, labels = set(), []
    for part in LABEL_SEPARATORS.split(text):
        part = part.strip(" .。:：()（）[]【】")
        if part and part not in seen:
            seen.add(part)
            labels.append(part)
    return labels
