"""Pinyin initials for fast search by a name nobody can type on a stair: 张三 -> zs.

``initials`` gives exactly what ``lazy_pinyin(name, style=FIRST_LETTER)`` gives, only faster:
pypinyin spends most of its time converting each word through several layers of style functions,
and a community's names are made of a few thousand words (surnames, given-name characters, the
phrases its segmenter finds such as 石英 or 长江). So the name is cut into words with pypinyin's
own segmenter (the one lazy_pinyin uses, so a phrase still decides the reading of a polyphonic
character), and each word's initials are computed once by lazy_pinyin itself and kept. Both caches
are bounded, so a million-row import keeps memory flat. They assume pypinyin's dictionaries are
not changed at run time (load_phrases_dict / load_single_dict); Fangkong never changes them.
``initials_slow`` is the plain call, kept for the tests that check both give the same answer.
"""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, RE_HANS
from pypinyin.seg.mmseg import seg as phrase_seg
from pypinyin.seg.simpleseg import seg

MAX_LENGTH = 40  # the length of Person.name_initials


def initials_slow(name: str) -> str:
    letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1] for part in letters if part).lower()[:MAX_LENGTH]


@lru_cache(maxsize=8192)
def _word_initials(word: str) -> str:
    # A word the segmenter gave segments to itself again (a phrase is its own longest match), so
    # lazy_pinyin on it alone converts it exactly as it did inside the whole name.
    return "".join(part[:1] for part in lazy_pinyin(word, style=Style.FIRST_LETTER, errors="default") if part)


# The words are what makes it fast and are few; whole names only save the segmenting of a name
# that comes again. An entry costs about 300 bytes: 65,536 names cost 20 MB of a 100,000-row
# import's peak memory (measured), 4,096 cost about 1 MB.
@lru_cache(maxsize=4096)
def initials(name: str) -> str:
    if not name:
        return ""
    # A name of Chinese characters only (nearly all) is one piece for simpleseg.seg, which then
    # cuts it into phrases with mmseg: go to mmseg directly. Anything else takes seg itself.
    words = phrase_seg.cut(name) if PHRASES_DICT and RE_HANS.fullmatch(name) else seg(name)
    return "".join([_word_initials(word) for word in words]).lower()[:MAX_LENGTH]
