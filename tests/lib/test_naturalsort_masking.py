from fangkong.lib.masking import mask_id, mask_phone
from fangkong.lib.naturalsort import natural_key
from fangkong.lib.pinyin import initials


def test_door_numbers_sort_naturally():
    doors = ["800", "17", "564", "3", "17-2", "17-10", "88A", "88", "100"]
    assert sorted(doors, key=natural_key) == ["3", "17", "17-2", "17-10", "88", "88A", "100", "564", "800"]


def test_masks():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("") == "" and mask_phone("") == ""
    assert "E1234" not in mask_id("E12345678")


def test_pinyin_initials():
    assert initials("张三") == "zs"
    assert initials("欧阳娜娜") == "oynn"
