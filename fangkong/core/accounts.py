"""Accounts of the people who work in a community, managed by its command post (issue 10 §2).

A command post creates accounts one at a time or a hundred at once by pasting a list (name,
phone, the unit they come from, role, grids or buildings); each starts with a password shown once
(and printable on a slip with a QR code) that the person replaces at first sign-in. It changes
roles and scope, resets a password, deactivates an account with immediate effect (its sessions and
API token are deleted) and unlocks one locked by failed sign-ins. Every change is audited.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from fangkong.lib import phone as phone_lib
from fangkong.lib.masking import mask_phone
from fangkong.lib.pinyin import initials

from . import setup_actions as acts
from .actions import require
from .addresses import parse as parse_address
from .errors import ServiceError
from .models import AccountProfile, AuditAction, Building, Community, Entrance, Grid, Role, RoleAssignment
from .scope import forget_reaches, reaches
from .services import audit

# Roles bound to grids, and to buildings: an account of such a role must name its places.
GRID_ROLES = {Role.GRID_LEADER, Role.GRID_WORKER}
BUILDING_ROLES = {Role.BUILDING_LEADER}
# Letters nobody confuses on a printed slip (no 0/o, 1/l/i).
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SESSION_FLAG = "fangkong_must_set_password"


def new_password() -> str:
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


def manageable_communities(user):
    """The communities whose accounts and places this user manages (for menus and pickers)."""
    if getattr(user, "is_superuser", False):
        return Community.objects.all()
    ids = {r.community_id for r in reaches(user) if r.role in acts.SETUP}
    return Community.objects.filter(pk__in=ids)


def district_communities(user):
    """The communities from which this user may create new ones."""
    if getattr(user, "is_superuser", False):
        return Community.objects.all()
    ids = {r.community_id for r in reaches(user) if r.role == Role.DISTRICT_ADMIN}
    return Community.objects.filter(pk__in=ids)


# --- reading --------------------------------------------------------------------------------


def locked_usernames(usernames) -> set[str]:
    """Which of these accounts failed to sign in too often lately (from any one address)."""
    from axes.models import AccessAttempt

    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    return set(AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since,
                                            failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
               .values_list("username", flat=True))


def list_accounts(actor, community: Community):
    """Every account with a role in the community, with its roles, scope and last sign-in."""
    require(actor, acts.ACCOUNTS_VIEW, community)
    assignments = (RoleAssignment.objects.filter(community=community)
                   .prefetch_related("grids", "buildings__estate", "entrances__building__estate").order_by("role"))
    users = list(User.objects.filter(roles__community=community).distinct()
                 .select_related("profile").prefetch_related(Prefetch("roles", queryset=assignments,
                                                                      to_attr="community_roles"))
                 .order_by("-is_active", "first_name", "username"))
    reveal = set(User.objects.filter(Q(user_permissions__codename="reveal_personal_data")
                                     | Q(groups__permissions__codename="reveal_personal_data"),
                                     pk__in=[u.pk for u in users]).values_list("pk", flat=True))
    locked = locked_usernames(u.username for u in users)
    for user in users:
        user.can_reveal = user.pk in reveal or user.is_superuser
        user.is_locked = user.username in locked
        user.phone_masked = mask_phone(getattr(_profile(user), "phone", ""))
        user.organisation = getattr(_profile(user), "organisation", "")
    return users


def _profile(user):
    try:
        return user.profile
    except AccountProfile.DoesNotExist:
        return None


def account_in(actor, community: Community, pk: int) -> User:
    """One account of the community (404 for the views when it is not there)."""
    require(actor, acts.ACCOUNTS_VIEW, community)
    return User.objects.filter(roles__community=community).distinct().select_related("profile").get(pk=pk)


# --- roles and scope ------------------------------------------------------------------------


def _check_scope(community, role, grids, buildings, entrances=()):
    role = Role(role)
    for place in [*grids, *buildings, *entrances]:
        if place.community_id != community.pk:
            raise ServiceError(_("That belongs to another community."), code="other_community")
    if role in GRID_ROLES and not grids:
        raise ServiceError(_("A %(role)s needs a grid.") % {"role": role.label}, code="scope_required",
                           field="grids")
    if role in BUILDING_ROLES and not buildings and not entrances:
        raise ServiceError(_("A %(role)s needs at least one building.") % {"role": role.label},
                           code="scope_required", field="buildings")
    return role


def _require_role_grant(actor, role, community):
    if role == Role.DISTRICT_ADMIN:
        require(actor, acts.ACCOUNT_GRANT_DISTRICT_ADMIN, community)


def _scope_text(grids, buildings, entrances=()) -> str:
    return ", ".join([str(g) for g in grids] + [b.address for b in buildings]
                     + [f"{e.building.address} {e}" for e in entrances])


@transaction.atomic
def assign_role(actor, user: User, community: Community, role, grids=(), buildings=(),
                entrances=()) -> RoleAssignment:
    """Give the account this role in the community, bound to these grids or buildings (none:
    the whole community); an existing assignment of the role gets the new scope."""
    require(actor, acts.ACCOUNT_CHANGE_ROLES, community)
    grids, buildings, entrances = list(grids), list(buildings), list(entrances)
    role = _check_scope(community, role, grids, buildings, entrances)
    _require_role_grant(actor, role, community)
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, community=community)
    before = "" if created else _scope_text(assignment.grids.all(), assignment.buildings.all(),
                                            assignment.entrances.select_related("building__estate"))
    assignment.grids.set(grids)
    assignment.buildings.set(buildings)
    assignment.entrances.set(entrances)
    after = _scope_text(grids, buildings, entrances)
    if created or before != after:
        audit(actor, AuditAction.CHANGE, user, community=community, fields=["roles"],
              changes={"role": ["" if created else str(role.label), str(role.label)], "scope": [before, after]})
    forget_reaches(user)
    return assignment


@transaction.atomic
def remove_role(actor, assignment: RoleAssignment) -> None:
    require(actor, acts.ACCOUNT_CHANGE_ROLES, assignment.community)
    _require_role_grant(actor, assignment.role, assignment.community)
    audit(actor, AuditAction.CHANGE, assignment.user, community=assignment.community, fields=["roles"],
          changes={"role": [assignment.get_role_display(), ""]})
    assignment.delete()


# --- creating -------------------------------------------------------------------------------


def _username_for(full_name: str, phone: str) -> str:
    base = re.sub(r"[^a-z0-9]", "", initials(full_name)) or "user"
    base = (base + (phone[-4:] if phone else ""))[:24]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@dataclass
class NewAccount:
    user: User
    password: str
    role: Role
    scope: str


def _check_phone(community, phone):
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        phone = phone_lib.normalize(phone)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), code="phone", field="phone") from None
    if AccountProfile.objects.filter(phone=phone, user__roles__community=community).exists():
        raise ServiceError(_("An account with the phone %(phone)s already exists in this community.")
                           % {"phone": mask_phone(phone)}, code="duplicate_phone", field="phone")
    return phone


@transaction.atomic
def create_account(actor, community: Community, *, full_name: str, role, phone: str = "", organisation: str = "",
                   grids=(), buildings=(), entrances=(), username: str = "") -> NewAccount:
    require(actor, acts.ACCOUNT_CREATE, community)
    full_name = (full_name or "").strip()
    if not full_name:
        raise ServiceError(_("Enter the person's name."), code="required", field="full_name")
    grids, buildings, entrances = list(grids), list(buildings), list(entrances)
    role = _check_scope(community, role, grids, buildings, entrances)
    _require_role_grant(actor, role, community)
    phone = _check_phone(community, phone)
    username = (username or "").strip()
    if username:
        if not re.fullmatch(r"[\w.@+-]{2,150}", username):
            raise ServiceError(_("A user name is letters, digits and . @ + - _ only."), code="invalid",
                               field="username")
        if User.objects.filter(username__iexact=username).exists():
            raise ServiceError(_("The user name %(name)s is taken.") % {"name": username}, code="duplicate",
                               field="username")
    else:
        username = _username_for(full_name, phone)
    password = new_password()
    user = User.objects.create_user(username, password=password, first_name=full_name[:150])
    AccountProfile.objects.create(user=user, phone=phone, organisation=(organisation or "").strip()[:100])
    assignment = RoleAssignment.objects.create(user=user, role=role, community=community)
    assignment.grids.set(grids)
    assignment.buildings.set(buildings)
    assignment.entrances.set(entrances)
    scope = _scope_text(grids, buildings, entrances)
    audit(actor, AuditAction.CREATE, user, community=community, changes={
        "name": ["", full_name], "phone": ["", mask_phone(phone)], "organisation": ["", organisation or ""],
        "role": ["", str(role.label)], "scope": ["", scope]})
    return NewAccount(user=user, password=password, role=role, scope=scope)


# --- pasting a list -------------------------------------------------------------------------


def _role_names() -> dict[str, Role]:
    names = {}
    for role in Role:
        names[role.value] = role
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names[str(role.label).lower()] = role
    names.update({"指挥部": Role.COMMAND_POST, "网格长": Role.GRID_LEADER, "网格员": Role.GRID_WORKER,
                  "楼长": Role.BUILDING_LEADER, "楼栋长": Role.BUILDING_LEADER, "单元长": Role.BUILDING_LEADER,
                  "下沉干部": Role.BUILDING_LEADER, "采样员": Role.SAMPLER, "门岗": Role.GUARD,
                  "保安": Role.GUARD, "志愿者": Role.DELIVERY_VOLUNTEER, "配送志愿者": Role.DELIVERY_VOLUNTEER})
    return names


_SCOPE_SPLIT = re.compile(r"[、;；/\s，,]+")
_GRID_WORD = re.compile(r"^(?:第)?(\d+)(?:号)?网格$|^网格(\d+)$|^(?:grid\s*)?(\d+)$", re.IGNORECASE)
HEADER_WORDS = {"姓名", "name", "名字"}
PASTE_MAX_ROWS = 500


@dataclass
class PastedRow:
    line: int
    full_name: str = ""
    phone: str = ""
    organisation: str = ""
    role: Role | None = None
    grids: list = field(default_factory=list)
    buildings: list = field(default_factory=list)
    entrances: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    account: NewAccount | None = None

    @property
    def ok(self):
        return not self.errors


class _Places:
    """The community's grids and buildings, read once for a whole paste."""

    def __init__(self, community):
        self.grids = list(Grid.objects.filter(community=community))
        self.buildings = list(Building.objects.filter(community=community).select_related("estate"))
        self.entrances = {(e.building_id, e.number): e for e in
                          Entrance.objects.filter(community=community).select_related("building__estate")}

    def grid(self, token):
        match = _GRID_WORD.match(token)
        if match:
            number = int(next(g for g in match.groups() if g))
            found = [g for g in self.grids if g.number == number]
        else:
            found = [g for g in self.grids if g.name == token]
        return found[0] if found else None

    def building(self, token):
        address = parse_address(token)
        door = address.door if address else token
        found = [b for b in self.buildings if b.door_number == door]
        if address and address.estate:
            found = [b for b in found if b.estate_id and address.estate in b.estate.name]
        if len(found) > 1:
            raise ServiceError(_("Building %(door)s is in several estates: write the estate too, "
                                 "such as 金岸3号楼.") % {"door": door})
        if found and address and address.entrance:
            # 3号楼2单元 or 3-2-: a leader of one entrance of the building.
            return self.entrances.get((found[0].pk, address.entrance))
        return found[0] if found else None


def parse_paste(community: Community, text: str) -> list[PastedRow]:
    """Read a pasted list (tab- or comma-separated: name, phone, unit they come from, role,
    grids or buildings); every row is returned, each with what is wrong with it. Writes nothing."""
    lines = (text or "").splitlines()
    if len([line for line in lines if line.strip()]) > PASTE_MAX_ROWS:
        raise ServiceError(_("Paste at most %(n)d rows at a time.") % {"n": PASTE_MAX_ROWS}, code="too_many")
    roles, places, rows, phones = _role_names(), _Places(community), [], {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in (line.split("\t") if "\t" in line else re.split(r"[,，]", line, maxsplit=4))]
        cells += [""] * (5 - len(cells))
        if cells[0].lower() in HEADER_WORDS:
            continue
        row = PastedRow(line=number, full_name=cells[0], organisation=cells[2])
        rows.append(row)
        if not row.full_name:
            row.errors.append(_("The name is missing."))
        if cells[1]:
            try:
                row.phone = phone_lib.normalize(cells[1])
            except ValidationError as error:
                row.errors.append(_("Phone: %(why)s") % {"why": " ".join(error.messages)})
            else:
                if row.phone in phones:
                    row.errors.append(_("The same phone as row %(line)d.") % {"line": phones[row.phone]})
                phones.setdefault(row.phone, number)
                if AccountProfile.objects.filter(phone=row.phone, user__roles__community=community).exists():
                    row.errors.append(_("An account with this phone already exists."))
        row.role = roles.get(cells[3].lower())
        if row.role is None:
            row.errors.append(_("Unknown role %(role)s.") % {"role": cells[3] or "-"})
            continue
        for token in [t for t in _SCOPE_SPLIT.split(cells[4]) if t]:
            try:
                grid = places.grid(token) if row.role not in BUILDING_ROLES else None
                building = None if grid else places.building(token)
            except ServiceError as error:
                row.errors.append(error.message)
                continue
            if grid:
                row.grids.append(grid)
            elif isinstance(building, Entrance):
                row.entrances.append(building)
            elif building:
                row.buildings.append(building)
            else:
                row.errors.append(_("No grid or building %(place)s in this community.") % {"place": token})
        if row.role in GRID_ROLES and not row.grids:
            row.errors.append(_("A %(role)s needs a grid.") % {"role": row.role.label})
        if row.role in BUILDING_ROLES and not row.buildings and not row.entrances:
            row.errors.append(_("A %(role)s needs at least one building.") % {"role": row.role.label})
    return rows


def create_from_paste(actor, community: Community, text: str) -> list[PastedRow]:
    """Create an account for every valid row; the others are returned with their reasons, to
    be fixed and pasted again (a row whose phone already has an account is reported, so pasting
    the same list twice creates nobody twice)."""
    require(actor, acts.ACCOUNT_CREATE, community)
    rows = parse_paste(community, text)
    for row in rows:
        if not row.ok:
            continue
        try:
            row.account = create_account(actor, community, full_name=row.full_name, role=row.role, phone=row.phone,
                                         organisation=row.organisation, grids=row.grids, buildings=row.buildings,
                                         entrances=row.entrances)
        except ServiceError as error:
            row.errors.append(error.message)
    return rows


# --- passwords, deactivation, lockout -------------------------------------------------------


def _communities_of(user):
    return list(Community.objects.filter(role_assignments__user=user).distinct())


def _require_everywhere(actor, action, user, community):
    """An account acts in every community it has a role in: changing its password or switching
    it off needs the action in each of them, not only in the one the page was opened from."""
    if user.is_superuser and not actor.is_superuser:
        raise ServiceError(_("Only a superuser changes a superuser's account."), code="not_allowed")
    for other in {community, *_communities_of(user)}:
        require(actor, action, other)
    if any(r.role == Role.DISTRICT_ADMIN for r in user.roles.all()) and actor.pk != user.pk:
        for other in _communities_of(user):
            require(actor, acts.ACCOUNT_GRANT_DISTRICT_ADMIN, other)


def end_sessions(user) -> int:
    """Delete every open session of the user (their next request finds itself signed out)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def reset_password(actor, user: User, community: Community) -> str:
    _require_everywhere(actor, acts.ACCOUNT_RESET_PASSWORD, user, community)
    password = new_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    AccountProfile.objects.update_or_create(user=user, defaults={"must_set_password": True})
    end_sessions(user)
    audit(actor, AuditAction.CHANGE, user, community=community, fields=["password"],
          changes={"password": ["", _("reset")]})
    return password


@transaction.atomic
def deactivate(actor, user: User, community: Community, reason: str) -> None:
    """Switch an account off at once: it can no longer sign in, its open sessions end and its
    API token is deleted (a lab's script holding it is refused from the next call)."""
    from rest_framework.authtoken.models import Token

    _require_everywhere(actor, acts.ACCOUNT_DEACTIVATE, user, community)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(_("Say why the account is deactivated."), code="reason_required", field="reason")
    if user.pk == actor.pk:
        raise ServiceError(_("You cannot deactivate your own account."), code="self")
    user.is_active = False
    user.save(update_fields=["is_active"])
    AccountProfile.objects.update_or_create(user=user, defaults={"deactivated_at": timezone.now(),
                                                                 "deactivation_reason": reason[:200]})
    sessions = end_sessions(user)
    tokens, _deleted = Token.objects.filter(user=user).delete()
    for other in _communities_of(user):
        audit(actor, AuditAction.CHANGE, user, community=other, fields=["is_active"], reason=reason,
              changes={"is_active": ["1", "0"], "sessions": [str(sessions), "0"], "tokens": [str(tokens), "0"]})


@transaction.atomic
def reactivate(actor, user: User, community: Community) -> str:
    """Switch an account back on, with a new one-time password (the old one may have left with
    the person)."""
    _require_everywhere(actor, acts.ACCOUNT_REACTIVATE, user, community)
    password = new_password()
    user.is_active = True
    user.set_password(password)
    user.save(update_fields=["is_active", "password"])
    AccountProfile.objects.update_or_create(user=user, defaults={"deactivated_at": None, "deactivation_reason": "",
                                                                 "must_set_password": True})
    audit(actor, AuditAction.CHANGE, user, community=community, fields=["is_active"],
          changes={"is_active": ["0", "1"]})
    return password


@transaction.atomic
def set_reveal(actor, user: User, community: Community, granted: bool, reason: str = "") -> None:
    """Grant or withdraw the permission to see ID numbers and phones whole; always audited."""
    _require_everywhere(actor, acts.ACCOUNT_GRANT_REVEAL, user, community)
    reason = (reason or "").strip()
    if granted and len(reason) < 2:
        raise ServiceError(_("Say why this person needs to see numbers whole."), code="reason_required",
                           field="reason")
    permission = Permission.objects.get(codename="reveal_personal_data", content_type__app_label="core")
    if granted:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    for attr in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(attr, None)
    audit(actor, AuditAction.CHANGE, user, community=community, fields=["reveal_personal_data"], reason=reason,
          changes={"reveal_personal_data": ["0", "1"] if granted else ["1", "0"]})


@transaction.atomic
def unlock(actor, user: User, community: Community) -> int:
    """Lift the lock that failed sign-ins put on the account (from every address)."""
    from axes.utils import reset

    _require_everywhere(actor, acts.ACCOUNT_UNLOCK, user, community)
    count = reset(username=user.username)
    audit(actor, AuditAction.CHANGE, user, community=community, fields=["lockout"],
          changes={"lockout": [str(count), "0"]})
    return count


@transaction.atomic
def set_own_password(user: User, password: str, password2: str) -> None:
    """The person's own password, chosen at first sign-in (or after a reset)."""
    if password != password2:
        raise ServiceError(_("The two passwords differ."), code="mismatch", field="password2")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), code="weak", field="password") from None
    user.set_password(password)
    user.save(update_fields=["password"])
    AccountProfile.objects.update_or_create(user=user, defaults={"must_set_password": False})
    for community in _communities_of(user) or [None]:
        audit(user, AuditAction.CHANGE, user, community=community, fields=["password"],
              changes={"password": ["", _("chosen by the person")]})


# --- one-time sign-in links ------------------------------------------------------------------
#
# Beside the password on the slip, a link (printed as a QR code) that signs the person in once,
# then asks them to choose their password (FirstSignInMiddleware). Django's token machinery, as
# for a password reset: the token is an HMAC of the account's state with the site's secret, so it
# stops working once anything in that state changes: the sign-in it makes (last_login), a new
# password (a reset, or the person's own), a deactivation (is_active). It expires after
# SIGN_IN_LINK_HOURS (and never outlives PASSWORD_RESET_TIMEOUT, Django's own limit).

SIGN_IN_LINK_HOURS = 72


class SignInLinkTokens(PasswordResetTokenGenerator):
    key_salt = "fangkong.core.accounts.SignInLinkTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"

    def check_token(self, user, token):
        if not super().check_token(user, token):
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        hours = getattr(settings, "FANGKONG_SIGN_IN_LINK_HOURS", SIGN_IN_LINK_HOURS)
        return self._num_seconds(self._now()) - issued <= hours * 3600


sign_in_links = SignInLinkTokens()


def sign_in_link_path(user: User) -> str:
    """The path of a new one-time sign-in link for the account (the slips page prints it)."""
    from django.urls import reverse

    return reverse("login_link", args=[urlsafe_base64_encode(force_bytes(user.pk)), sign_in_links.make_token(user)])


def account_for_link(uidb64: str, token: str) -> User | None:
    """The account a link signs in, or None when it is not one, was used, has expired, or the
    account is switched off."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not user.is_active or not sign_in_links.check_token(user, token):
        return None
    return user


@transaction.atomic
def sign_in_by_link(request, uidb64: str, token: str) -> User | None:
    """Sign the link's account in (once: the sign-in changes last_login, which voids the token),
    with an audit entry in each of its communities. None when the link is refused."""
    from django.contrib.auth import login

    user = account_for_link(uidb64, token)
    if user is None:
        return None
    user = User.objects.select_for_update().get(pk=user.pk)
    if not sign_in_links.check_token(user, token):  # a second tap that raced the first
        return None
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    for community in _communities_of(user) or [None]:
        audit(user, AuditAction.CHANGE, user, community=community, fields=["last_login"],
              changes={"sign_in": ["", _("one-time sign-in link")]})
    return user
