"""The 18-character resident identity number (GB 11643-1999).

Layout: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male), and a check
character computed with ISO 7064 MOD 11-2 (``X`` stands for 10). The same layout is used by the
residence permits of Hong Kong, Macao and Taiwan residents (address codes 810000, 820000, 830000)
and by the foreigners' permanent-residence ID card of 2023 (first digit 9).

An unknown address code is only a warning: counties are renamed and merged, and IDs issued under
the old code stay valid for life.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARS = "10X98765432"

# Province-level codes (first two digits). The county table changes every year and is not
# bundled; a code outside this list is reported as a warning, never refused.
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71",
}
HMT_CODES = {"810000": "hk", "820000": "mo", "830000": "tw"}
EARLIEST_BIRTH = date(1880, 1, 1)


@dataclass
class IdInfo:
    number: str
    birth_date: date
    sex: str  # "M" or "F"
    kind: str  # "mainland", "hk", "mo", "tw", "foreigner"
    warnings: list[str] = field(default_factory=list)


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    return "".join(str(value).split()).upper()


def parse(value: str, today: date | None = None) -> IdInfo:
    """Validate an 18-character ID and return what it tells; raise ValidationError saying why not."""
    number = normalize(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(count)d."),
            code="length", params={"count": len(number)},
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("An ID number is 17 digits followed by a digit or X."), code="characters"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(digits)s) is not a real date."),
            code="birth_date", params={"digits": number[6:14]},
        ) from None
    today = today or date.today()
    if birth > today or birth < EARLIEST_BIRTH:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is impossible."),
            code="birth_date", params={"date": birth.isoformat()},
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check character of this ID number is wrong: a typing mistake somewhere."),
            code="check_digit",
        )
    warnings = []
    address = number[:6]
    if number[0] == "9":
        kind = "foreigner"
    elif address in HMT_CODES:
        kind = HMT_CODES[address]
    else:
        kind = "mainland"
        if address[:2] not in PROVINCES:
            warnings.append(str(_("The address code %(code)s is not a known province; check the number.")
                                % {"code": address}))
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, birth_date=birth, sex=sex, kind=kind, warnings=warnings)


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except ValidationError:
        return False
    return True


def make(first17: str) -> str:
    """Complete 17 digits with their check character (used by the demo and the tests)."""
    return first17 + check_char(first17)
