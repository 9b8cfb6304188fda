"""Mainland mobile numbers: 11 digits starting 13 to 19.

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
