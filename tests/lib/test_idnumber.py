from datetime import date

import pytest
from django.core.exceptions import ValidationError

from fangkong.lib.idnumber import check_char, make, parse


def test_gb11643_published_example():
    info = parse("11010519491231002X")
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "F"
    assert info.kind == "mainland"
    assert info.warnings == []


def test_lowercase_x_and_spaces_are_normalized():
    assert parse(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize("wrong", "0123456789")
def test_every_wrong_check_character_is_refused(wrong):
    with pytest.raises(ValidationError) as error:
        parse("11010519491231002" + wrong)
    assert error.value.code == "check_digit"


def test_swapped_digits_are_caught():
    with pytest.raises(ValidationError):
        parse("11010591491231002X")


@pytest.mark.parametrize("value,code", [
    ("1101051949123100", "length"),
    ("11010519491231002XX", "length"),
    ("1101051949123100AX", "characters"),
    (make("11010519490230002"), "birth_date"),  # 30 February
    (make("11010520991231002"), "birth_date"),  # in the future
])
def test_bad_ids_say_why(value, code):
    with pytest.raises(ValidationError) as error:
        parse(value)
    assert error.value.code == code


def test_sex_from_the_17th_digit():
    assert parse(make("35050319900101001")).sex == "M"
    assert parse(make("35050319900101002")).sex == "F"


def test_unknown_address_code_is_a_warning_not_an_error():
    info = parse(make("40050319900101001"))  # 40: no such province
    assert info.warnings


@pytest.mark.parametrize("code,kind", [("810000", "hk"), ("820000", "mo"), ("830000", "tw")])
def test_hong_kong_macao_taiwan_residence_permits(code, kind):
    info = parse(make(code + "19900101001"))
    assert info.kind == kind and info.warnings == []


def test_foreigners_permanent_residence_number_starting_with_9():
    info = parse(make("93315619900101001"))
    assert info.kind == "foreigner" and info.warnings == []


def test_check_char_is_mod_11_2():
    assert check_char("11010519491231002") == "X"
    assert make("11010519491231002") == "11010519491231002X"
