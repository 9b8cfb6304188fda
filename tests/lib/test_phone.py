import pytest
from django.core.exceptions import ValidationError

from fangkong.lib.phone import normalize


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "138-1234-5678",
                                 "8613812345678", "(+86)13812345678"])
def test_forms_people_type_are_normalized(raw):
    assert normalize(raw) == "13812345678"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_all_prefixes_13_to_19_are_accepted(prefix):
    assert normalize(prefix + "912345678") == prefix + "912345678"


@pytest.mark.parametrize("raw,code", [("12812345678", "prefix"), ("1381234567", "length"),
                                      ("138123456789", "length"), ("1381234567a", "characters"),
                                      ("059522345678", "length")])
def test_bad_numbers_say_why(raw, code):
    with pytest.raises(ValidationError) as error:
        normalize(raw)
    assert error.value.code == code
