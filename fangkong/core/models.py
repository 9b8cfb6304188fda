"""Places, people, roles and the audit log: what every other part of Fangkong stands on.

Every operational row carries ``community``: it is the key a city deployment shards and
partitions by, and the first thing scope filters on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.lib.masking import mask_id, mask_phone
from fangkong.lib.naturalsort import natural_key
from fangkong.lib.pinyin import initials

from .scope import ScopedQuerySet


class ControlStatus(models.TextChoices):
    SEALED = "sealed", _("Sealed")
    CONTROLLED = "controlled", _("Controlled")
    GUARDED = "guarded", _("Guarded")
    NORMAL = "normal", _("Normal")


def _default_residency_choices():
    # Residency is defined further down (with Person); a callable reads it when asked.
    return [(Residency.RESIDENT, Residency.RESIDENT.label), (Residency.MIGRANT, Residency.MIGRANT.label)]


class Community(models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=100, blank=True,
                              help_text=_("The sub-district (街道) or town the community belongs to."))
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=6, decimal_places=2, null=True, blank=True)
    control_status = models.CharField(
        _("control status"), max_length=12, choices=ControlStatus.choices, default=ControlStatus.NORMAL
    )
    # What a ledger row without 人员类型 makes a new person: blank keeps them "not known" until
    # someone asks (a wrong 常住 hides a migrant from every migrant list and count).
    default_residency = models.CharField(
        _("resident or migrant when a ledger does not say"), max_length=10, blank=True,
        choices=_default_residency_choices,
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "id", "grid": "grids__id", "building": "buildings__id"}

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community_detail", args=[self.pk])


class Zone(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="zones", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grids__id", "building": "grids__buildings__id"}

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["community", "name"]
        constraints = [models.UniqueConstraint("community", "name", name="zone_unique_name")]

    def __str__(self):
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="grids", verbose_name=_("community"))
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, related_name="grids",
                             verbose_name=_("zone"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)
    control_status = models.CharField(
        _("control status"), max_length=12, choices=ControlStatus.choices, default=ControlStatus.NORMAL
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "id", "building": "buildings__id"}

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community", "number"]
        constraints = [models.UniqueConstraint("community", "number", name="grid_unique_number")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("grid_detail", args=[self.pk])


class Unit(models.Model):
    """责任单元: a block of buildings under one responsible cadre."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="units", verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.CASCADE, related_name="units", verbose_name=_("grid"))
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "buildings__id"}

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["grid", "name"]

    def __str__(self):
        return self.name


class Estate(models.Model):
    """小区: a gated estate. Optional: an old village has none. Each estate numbers its own
    buildings from 1, so a door number is unique within its estate, not its community."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="estates", verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "buildings__grid_id", "building": "buildings__id"}

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["community", "name"]
        constraints = [models.UniqueConstraint("community", "name", name="estate_unique_name")]

    def __str__(self):
        return self.name


class Building(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="buildings",
                                  verbose_name=_("community"))
    grid = models.ForeignKey(Grid, models.PROTECT, related_name="buildings", verbose_name=_("grid"))
    unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="buildings",
                             verbose_name=_("unit"))
    estate = models.ForeignKey(Estate, models.PROTECT, null=True, blank=True, related_name="buildings",
                               verbose_name=_("estate"))
    door_number = models.CharField(_("door number"), max_length=40)
    # Door numbers are free text that must sort as numbers (3, 17, 564, 800): see lib.naturalsort.
    door_sort = models.CharField(max_length=100, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    landlord_name = models.CharField(_("landlord"), max_length=50, blank=True)
    landlord_phone = models.CharField(_("landlord's phone"), max_length=20, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    is_rental = models.BooleanField(_("shared rental building"), default=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    outline = models.JSONField(_("outline"), null=True, blank=True,
                               help_text=_("GeoJSON polygon of the building, for the map"))
    control_status = models.CharField(
        _("control status"), max_length=12, choices=ControlStatus.choices, default=ControlStatus.NORMAL
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "grid_id", "building": "id", "entrance": "entrances__id"}

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community", "door_sort"]
        # A door number is unique within its estate; buildings in no estate (an old village)
        # share the community's numbering. Two constraints, because NULLs never collide.
        constraints = [
            models.UniqueConstraint("community", "door_number", condition=Q(estate__isnull=True),
                                    name="building_unique_door_without_estate"),
            models.UniqueConstraint("estate", "door_number", condition=Q(estate__isnull=False),
                                    name="building_unique_door_in_estate"),
        ]

    def __str__(self):
        return f"{self.door_number} {self.name}".strip()

    @property
    def address(self) -> str:
        """金岸小区 3号楼: the estate (if any) and the door number as people say it."""
        from .addresses import building_address

        return building_address(self)

    def fill_derived(self):
        """Set the stored sort key; bulk_create callers call this themselves (it skips save)."""
        self.door_sort = natural_key(self.door_number)
        return self

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("building_detail", args=[self.pk])

    @property
    def landlord_phone_masked(self):
        return mask_phone(self.landlord_phone)


class Entrance(models.Model):
    """单元: one stairwell of a building. Optional: most village houses have one door."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="entrances",
                                  verbose_name=_("community"))
    building = models.ForeignKey(Building, models.CASCADE, related_name="entrances", verbose_name=_("building"))
    number = models.CharField(_("entrance"), max_length=20)
    number_sort = models.CharField(max_length=60, editable=False, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "building__grid_id", "building": "building_id",
                   "entrance": "id"}

    class Meta:
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        ordering = ["building", "number_sort"]
        constraints = [models.UniqueConstraint("building", "number", name="entrance_unique_number")]

    def __str__(self):
        from .addresses import entrance_label

        return entrance_label(self.number)

    def save(self, *args, **kwargs):
        self.number_sort = natural_key(self.number)
        super().save(*args, **kwargs)


class HouseholdStatus(models.TextChoices):
    OCCUPIED = "occupied", _("Occupied")
    AWAY = "away", _("Away")
    VACANT = "vacant", _("Vacant")


class Household(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="households",
                                  verbose_name=_("community"))
    building = models.ForeignKey(Building, models.PROTECT, related_name="households", verbose_name=_("building"))
    entrance = models.ForeignKey(Entrance, models.SET_NULL, null=True, blank=True, related_name="households",
                                 verbose_name=_("entrance"))
    room = models.CharField(_("room"), max_length=40)
    room_sort = models.CharField(max_length=100, editable=False, db_index=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=HouseholdStatus.choices,
                              default=HouseholdStatus.OCCUPIED)
    # Blank means "as the building": a household is sealed when its building is, unless set.
    control_status = models.CharField(_("control status"), max_length=12, choices=ControlStatus.choices,
                                      blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "building__grid_id", "building": "building_id",
                   "entrance": "entrance_id"}

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building__door_sort", "room_sort"]
        # A room number is unique within its entrance (3号楼 1单元 301 and 2单元 301 are two flats);
        # rooms in no entrance share the building's numbering. Two constraints: NULLs never collide.
        constraints = [
            models.UniqueConstraint("building", "room", condition=Q(entrance__isnull=True),
                                    name="household_unique_room_without_entrance"),
            models.UniqueConstraint("building", "entrance", "room", condition=Q(entrance__isnull=False),
                                    name="household_unique_room_in_entrance"),
        ]

    def __str__(self):
        # 3-2-301 where the room is in an entrance (rooms are numbered per entrance), as search reads it.
        if self.entrance_id:
            return f"{self.building.door_number}-{self.entrance.number}-{self.room}"
        return f"{self.building.door_number}-{self.room}"

    @property
    def address(self) -> str:
        """金岸小区 3号楼 2单元 301."""
        from .addresses import household_address

        return household_address(self)

    def fill_derived(self):
        """Set the stored sort key; bulk_create callers call this themselves (it skips save)."""
        self.room_sort = natural_key(self.room)
        return self

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("household_detail", args=[self.pk])

    @property
    def effective_control_status(self):
        return self.control_status or self.building.control_status

    def get_effective_control_status_display(self):
        return ControlStatus(self.effective_control_status).label


class CareTag(models.TextChoices):
    """需特别关注人员: the people who need a plan of their own (一人一策)."""

    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    BEDRIDDEN = "bedridden", _("Bedridden")
    PREGNANT = "pregnant", _("Pregnant")
    INFANT = "infant", _("Infant")
    DIALYSIS = "dialysis", _("Dialysis")
    CHRONIC = "chronic", _("Chronic illness")
    DISABILITY = "disability", _("Disability")
    EXAM_STUDENT = "exam_student", _("Exam student")
    HARDSHIP = "hardship", _("Financial hardship")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    RESIDENCE_PERMIT = "residence_permit", _("HK/Macao/Taiwan residence permit")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreigner's permanent residence ID")
    HMT_PASS = "hmt_pass", _("HK/Macao/Taiwan travel permit")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")
    NONE = "none", _("No document")


# The document types that follow GB 11643 (18 characters with a check character).
GB11643_TYPES = {IdType.RESIDENT_ID, IdType.RESIDENCE_PERMIT, IdType.FOREIGN_PERMANENT}


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Residency(models.TextChoices):
    RESIDENT = "resident", _("Registered resident")
    MIGRANT = "migrant", _("Migrant")
    # A ledger that did not say (and no community default): neither list counts them as either.
    UNKNOWN = "unknown", _("Not known")


class PersonQuerySet(ScopedQuerySet):
    def search(self, query: str):
        """Name, pinyin initials (张三 -> zs), last 4 of ID or phone, or door number.

        Names are stored as written, in simplified or traditional characters: the name is looked
        up as typed and in simplified form, and a stored 張三 is found by 张三 too (the search key
        of the stored name is not kept, so the query's traditional form is tried as well)."""
        from fangkong.lib.vocab import simplify, traditionalize

        query = (query or "").strip()
        if not query:
            return self
        condition = Q()
        for form in {query, simplify(query), traditionalize(query)}:
            condition |= Q(name__icontains=form)
        if query.isascii() and query.isalpha():
            condition |= Q(name_initials__startswith=query.lower())
        if len(query) == 4 and (query[:3].isdigit() and (query[3].isdigit() or query[3] in "xX")):
            condition |= Q(id_last4=query.upper()) | Q(phone_last4=query)
        if any(ch.isdigit() for ch in query):
            from .addresses import household_q, parse

            address = parse(query)
            door, _sep, room = query.partition("-")
            if address:
                # 3-2-301 (door, entrance, room) or 金岸3号楼301 (estate, door, room).
                condition |= household_q(address, prefix="household__")
            elif room:
                condition |= Q(household__building__door_number=door, household__room=room)
            else:
                condition |= Q(household__building__door_number=query)
        return self.filter(condition)


class Person(models.Model):
    """一人一档: one record per person with everything known about them."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="persons", verbose_name=_("community"))
    household = models.ForeignKey(Household, models.SET_NULL, null=True, blank=True, related_name="members",
                                  verbose_name=_("household"))
    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(max_length=40, editable=False, db_index=True)
    id_type = models.CharField(_("document type"), max_length=20, choices=IdType.choices,
                               default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    id_last4 = models.CharField(max_length=4, editable=False, db_index=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_last4 = models.CharField(max_length=4, editable=False, db_index=True, blank=True)
    residency = models.CharField(_("resident or migrant"), max_length=10, choices=Residency.choices,
                                 default=Residency.RESIDENT)
    relation = models.CharField(_("relation to householder"), max_length=20, blank=True)
    occupation = models.CharField(_("occupation"), max_length=50, blank=True)
    workplace = models.CharField(_("workplace"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Care labels a ledger gave that no CareTag means (高三学生 before the command post maps it),
    # kept as written, separated by 、, so that nobody is refused for a word.
    free_labels = models.CharField(_("other labels"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Raised by every change; an edit made on an older version is refused (see services).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PersonQuerySet.as_manager()
    scope_paths = {"community": "community_id", "grid": "household__building__grid_id",
                   "building": "household__building_id", "entrance": "household__entrance_id"}

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "id"]
        permissions = [("reveal_personal_data", _("Can see ID numbers and phones whole"))]
        constraints = [
            models.UniqueConstraint("community", "id_number", condition=~Q(id_number=""),
                                    name="person_unique_id_in_community"),
        ]
        indexes = [models.Index(fields=["community", "name"])]

    def __str__(self):
        return self.name

    @staticmethod
    def search_keys(name: str, id_number: str, phone: str) -> tuple[str, str, str]:
        """The stored search keys (name_initials, id_last4, phone_last4) of these values: one
        definition for fill_derived and for the ledger importer, which inserts new persons as
        plain rows without building a model instance for each."""
        return (initials(name), id_number[-4:].upper() if id_number else "", phone[-4:] if phone else "")

    def fill_derived(self):
        """Set the search keys (pinyin initials, last 4 of ID and phone); bulk_create callers
        call this themselves, since bulk_create skips save()."""
        self.name_initials, self.id_last4, self.phone_last4 = self.search_keys(self.name, self.id_number, self.phone)
        return self

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("person_detail", args=[self.pk])

    @property
    def id_masked(self):
        return mask_id(self.id_number)

    @property
    def phone_masked(self):
        return mask_phone(self.phone)

    @property
    def tag_codes(self) -> list[str]:
        return [tag.tag for tag in self.tags.all()]

    def get_tags_display(self) -> list[str]:
        return [str(CareTag(code).label) for code in self.tag_codes]

    @property
    def age(self):
        if not self.birth_date:
            return None
        today = timezone.localdate()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    @property
    def landlord(self):
        """A tenant's landlord is the landlord of the building they rent in."""
        if self.residency == Residency.MIGRANT and self.household_id and self.household.building.landlord_name:
            return self.household.building
        return None


class PersonTag(models.Model):
    person = models.ForeignKey(Person, models.CASCADE, related_name="tags")
    tag = models.CharField(_("special care"), max_length=20, choices=CareTag.choices)

    class Meta:
        constraints = [models.UniqueConstraint("person", "tag", name="person_tag_unique")]
        ordering = ["tag"]

    def __str__(self):
        return self.get_tag_display()


class Residence(models.Model):
    """Where a person lived and when: a move closes one row and opens the next."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="residences")
    household = models.ForeignKey(Household, models.CASCADE, related_name="residences")
    moved_in = models.DateTimeField(_("moved in"), default=timezone.now)
    moved_out = models.DateTimeField(_("moved out"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-moved_in"]
        constraints = [
            models.UniqueConstraint("person", condition=Q(moved_out__isnull=True), name="one_current_residence"),
        ]

    def __str__(self):
        return f"{self.person_id} @ {self.household_id}"


class TimelineEntry(models.Model):
    """What happened to a person, newest first; later capabilities (tests, quarantine,
    deliveries) write here through ``services.add_timeline``."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.text


class Role(models.TextChoices):
    COMMAND_POST = "command_post", _("Command post")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    BUILDING_LEADER = "building_leader", _("Building leader")
    SAMPLER = "sampler", _("Sampler")
    GUARD = "guard", _("Guard")
    DELIVERY_VOLUNTEER = "delivery_volunteer", _("Delivery volunteer")
    DISTRICT_VIEWER = "district_viewer", _("District viewer")
    # Creates communities and their first command-post account; sees nothing personal by it.
    DISTRICT_ADMIN = "district_admin", _("District administrator")


# Roles that may add and change places and people within their scope.
WRITING_ROLES = {Role.COMMAND_POST, Role.GRID_LEADER, Role.GRID_WORKER, Role.BUILDING_LEADER}


class RoleAssignment(models.Model):
    """A user's role in one community; grids or buildings narrow it (none: the whole community)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="roles",
                             verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    community = models.ForeignKey(Community, models.CASCADE, related_name="role_assignments",
                                  verbose_name=_("community"))
    grids = models.ManyToManyField(Grid, blank=True, related_name="role_assignments", verbose_name=_("grids"))
    buildings = models.ManyToManyField(Building, blank=True, related_name="role_assignments",
                                       verbose_name=_("buildings"))
    entrances = models.ManyToManyField(Entrance, blank=True, related_name="role_assignments",
                                       verbose_name=_("entrances"))

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint("user", "role", "community", name="role_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.community}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    MOVE = "move", _("Moved")
    DELETE = "delete", _("Deleted")
    REVEAL = "reveal", _("Revealed")
    EXPORT = "export", _("Exported")
    LOGIN_FAILED = "login_failed", _("Failed login")


class AuditEntryQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise TypeError("the audit log is append-only")

    def delete(self):
        raise TypeError("the audit log is append-only")


class AuditEntry(models.Model):
    """Append-only: who created, changed, revealed or exported what, when and why.

    Sensitive values in ``changes`` are stored masked: the audit log must not become the place
    where ID numbers can be read whole."""

    community = models.ForeignKey(Community, models.CASCADE, null=True, blank=True, related_name="+",
                                  verbose_name=_("community"))
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("user"))
    username = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    person = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("person"))
    fields = models.CharField(_("fields"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()
    scope_paths = {"community": "community_id"}

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the audit log is append-only")


class AccountProfile(models.Model):
    """What the command post knows of an account beyond Django's user: the phone, the unit the
    person was sent from (seed 000: 8 units, 120 cadres), and whether they must still choose
    their own password (every account starts with one shown once, on a slip)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="profile",
                                verbose_name=_("user"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    organisation = models.CharField(_("unit they come from"), max_length=100, blank=True)
    must_set_password = models.BooleanField(_("must choose a password"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)
    deactivation_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self):
        return str(self.user)

    @property
    def phone_masked(self):
        return mask_phone(self.phone)
