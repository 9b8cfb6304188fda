"""The cached pinyin initials must give exactly what the plain lazy_pinyin call gives."""

import random

from fangkong.lib.pinyin import initials, initials_slow

# Polyphonic characters whose reading depends on the phrase around them, surnames read apart
# from their usual reading, and names that contain phrases of pypinyin's dictionary.
TRICKY = [
    "张三", "欧阳娜娜", "曾国藩", "单雄信", "解缙", "长江", "张长江", "重庆", "仇英", "朴树", "区志强", "查良镛",
    "石英", "丁宁", "江宁", "王国", "龙华", "乐嘉", "覃海洋", "尉迟恭", "万俟卨", "令狐冲", "翟志刚", "盖聂",
    "银行行长", "重重", "长长", "和和气气", "阿卜杜·热合曼", "迪丽热巴·迪力木拉提", "李 四", "John Smith",
    "王2", "Ann李", "李Ann王", "", "  ", "·", "〇", "㐀", "𠀀", "ＡＢ张", "张" * 60, "长江" * 30,
]


def test_tricky_names_match_lazy_pinyin():
    for name in TRICKY:
        assert initials(name) == initials_slow(name), name
        assert initials(name) == initials_slow(name), name  # the cached answer too


def test_every_common_character_alone_and_in_pairs():
    characters = [chr(code) for code in range(0x4E00, 0x9FA6)]
    for character in characters:
        assert initials(character) == initials_slow(character), character
    rng = random.Random(3)
    for _ in range(20000):
        name = "".join(rng.choice(characters) for _ in range(rng.randint(2, 4)))
        assert initials(name) == initials_slow(name), name


def test_names_built_from_common_surnames_and_given_characters():
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅林波辉鹏斌宇浩凯健俊帆帅旭宁龙长重行乐"
    rng = random.Random(11)
    for _ in range(20000):
        name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.randint(1, 2)))
        assert initials(name) == initials_slow(name), name
