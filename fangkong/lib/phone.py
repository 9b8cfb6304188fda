"""Mainland mobile numbers: 11 digits starting 13 to 19; and, as contact numbers, landlines
(an area code 0xx or 0xxx, then 7 or 8 digits: 0595-22881234), which many elderly people have
as their only phone.

Carrier prefix lists go stale within a year, so only the shape is checked.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"1[3-9]\d{9}")
SEPARATORS = re.compile(r"[\s\-()（）\u00a0]")


def normalize(value: str) -> str:
    """Strip spaces, dashes and the +86 / 0086 prefix; raise ValidationError if not a mobile."""
    number = SEPARATORS.sub("", str(value))
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not number.isdigit():
        raise ValidationError(_("A mobile number has digits only."), code="characters")
    if len(number) != 11:
        raise ValidationError(
            _("A mobile number has 11 digits; this one has %(count)d."),
            code="length", params={"count": len(number)},
        )
    if not MOBILE.fullmatch(number):
        raise ValidationError(_("A mobile number starts with 13 to 19."), code="prefix")
    return number


LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})")


def normalize_contact(value: str) -> str:
    """A mobile (as ``normalize``) or a landline, written 0595-22881234; ValidationError if neither."""
    try:
        return normalize(value)
    except ValidationError as mobile_error:
        number = re.sub(r"[(（](0\d{2,3})[)）]", r"\1-", str(value))  # (010)12345678
        number = re.sub(r"[\s()（）\u00a0]", "", number).replace("－", "-")
        number = number.removeprefix("+86").removeprefix("0086")
        if match := LANDLINE.fullmatch(number):
            return f"{match[1]}-{match[2]}"
        raise ValidationError(_("Neither a mobile number (11 digits) nor a landline (0595-22881234)."),
                              code="not_a_phone") from mobile_error
