"""Person codes (预登记码): an opaque signed token, no personal data.

A code reads ``FKP.<key>.<version>.<mac>``: ``key`` is random (it says nothing about the person),
``version`` is the person's code version and ``mac`` an HMAC of both with the project's secret key.
Every character is in the QR alphanumeric set (upper case, digits, ``.``), so the QR stays small.

At scan time a code whose HMAC does not match was altered (or made up): ``unknown_code``. A code
whose HMAC matches but whose version is older than the person's is one that was revoked (a lost
sheet, a leaked screenshot): ``revoked_code``. Revoking is raising the version (``revoke``).
"""

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.crypto import constant_time_compare

from fangkong.core.models import Person

from .models import PersonCode

PREFIX = "FKP"
SALT = "fangkong.testing.person-code"
MAC_CHARS = 16  # 80 bits


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


@functools.lru_cache(maxsize=4)
def _hmac_key(secret: str) -> bytes:
    # What salted_hmac derives from the salt and the secret key on every call: a fifth of a
    # batch of scans went into deriving it again for each code. Same derivation, kept.
    return hashlib.sha256((SALT + secret).encode()).digest()


def _mac(key: str, version: int) -> str:
    digest = hmac.new(_hmac_key(settings.SECRET_KEY), f"{key}.{version}".encode(), hashlib.sha256).digest()
    return _b32(digest)[:MAC_CHARS]


def new_key() -> str:
    return _b32(secrets.token_bytes(10))  # 16 characters


def token(code: PersonCode) -> str:
    return f"{PREFIX}.{code.key}.{code.version}.{_mac(code.key, code.version)}"


@dataclass(frozen=True)
class Parsed:
    key: str
    version: int


def parse(text: str) -> Parsed | None:
    """The key and version of a well-formed code with a valid signature; None otherwise."""
    parts = (text or "").strip().upper().split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[2].isdigit() or len(parts[1]) > 16:
        return None
    key, version, mac = parts[1], int(parts[2]), parts[3]
    if not constant_time_compare(mac, _mac(key, version)):
        return None
    return Parsed(key, version)


def code_for(person: Person) -> PersonCode:
    """The person's code row, made on first use."""
    try:
        return person.test_code
    except PersonCode.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return PersonCode.objects.create(community_id=person.community_id, person=person, key=new_key())
    except IntegrityError:
        return PersonCode.objects.get(person=person)


def codes_for(persons) -> dict[int, PersonCode]:
    """Code rows for many persons (printing a building's sheet): missing ones made in one insert."""
    persons = list(persons)
    ids = [p.pk for p in persons]
    existing = {c.person_id: c for c in PersonCode.objects.filter(person_id__in=ids)}
    missing = [PersonCode(community_id=p.community_id, person_id=p.pk, key=new_key())
               for p in persons if p.pk not in existing]
    if missing:
        PersonCode.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {c.person_id: c for c in PersonCode.objects.filter(person_id__in=ids)}
    return existing


def revoke(person: Person) -> PersonCode:
    """Refuse every code of this person printed or shown so far; the next code is a new one."""
    code = code_for(person)
    PersonCode.objects.filter(pk=code.pk).update(version=F("version") + 1)
    code.refresh_from_db()
    return code
