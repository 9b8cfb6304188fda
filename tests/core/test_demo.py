"""The demo community: `fangkong demo` builds a realistic old village once, keeps it, rebuilds it
identically, and prints one account per role.

The village (about 6,000 persons) is built once for the module and removed at its end; each test
runs in a transaction on top of it, so a test that rebuilds it leaves the next one undisturbed."""

import hashlib
import io
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from fangkong.core import demo
from fangkong.core.models import (
    AuditEntry,
    Building,
    CareTag,
    Community,
    ControlStatus,
    Grid,
    Household,
    HouseholdStatus,
    IdType,
    Person,
    PersonTag,
    Residence,
    Role,
    RoleAssignment,
    TimelineEntry,
    Unit,
    Zone,
)
from fangkong.core.operations import operation_buildings
from fangkong.lib import idnumber, phone
from fangkong.lib.naturalsort import natural_key


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def first_output(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        output = run_demo()
    yield output
    with django_db_blocker.unblock():
        demo.delete_demo()
        # The deletion's own audit entry: a test's leftovers must not show in other tests' logs.
        AuditEntry._base_manager.filter(community=None, object_type="community").delete()


@pytest.fixture
def community(first_output, db):
    return demo.find_demo()


def digest(community) -> str:
    """Names, ID numbers and phones of everyone, and the buildings, in the order they were made."""
    rows = Person.objects.filter(community=community).order_by("pk").values_list(
        "name", "id_type", "id_number", "phone", "relation", "household__building__door_number", "household__room")
    doors = Building.objects.filter(community=community).order_by("pk").values_list(
        "door_number", "landlord_name", "landlord_phone")
    return hashlib.sha256(repr((list(rows), list(doors))).encode()).hexdigest()


def test_builds_a_village_like_the_report(community):
    assert community.district == demo.DEMO_DISTRICT
    assert Zone.objects.filter(community=community).count() == 3
    grids = list(Grid.objects.filter(community=community))
    assert [g.name for g in grids] == [
        "第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格", "第七网格"]
    assert 15 <= Unit.objects.filter(community=community).count() <= 19
    buildings = Building.objects.filter(community=community)
    assert 110 <= buildings.count() <= 130
    persons = Person.objects.filter(community=community)
    total = persons.count()
    assert 5500 <= total <= 6500
    migrants = persons.filter(residency="migrant").count()
    assert 0.85 <= migrants / total <= 0.95
    # Several to a room, in households that know their floor.
    occupied = Household.objects.filter(community=community, members__isnull=False).distinct().count()
    assert 2.2 <= total / occupied <= 4.5
    assert not Household.objects.filter(community=community, floor__isnull=True).exists()
    statuses = Counter(Household.objects.filter(community=community).values_list("status", flat=True))
    assert statuses[HouseholdStatus.VACANT] > 20 and statuses[HouseholdStatus.AWAY] > 5
    assert not Person.objects.filter(household__status=HouseholdStatus.VACANT).exists()


def test_most_buildings_are_rentals_with_a_landlord(community):
    buildings = Building.objects.filter(community=community)
    rentals = buildings.filter(is_rental=True)
    assert rentals.count() / buildings.count() >= 0.7
    for building in rentals:
        assert building.landlord_name and 3 <= building.floors <= 7
        assert phone.normalize(building.landlord_phone) == building.landlord_phone
        assert building.latitude and abs(float(building.latitude) - 24.90) < 0.01
        assert abs(float(building.longitude) - 118.63) < 0.01


def test_people_look_real(community):
    persons = Person.objects.filter(community=community)
    relations = Counter(persons.values_list("relation", flat=True))
    assert set(relations) <= {"户主", "配偶", "子女", "父母", "租户", "同住"}
    assert all(relations[r] > 50 for r in ["户主", "配偶", "子女", "父母", "租户", "同住"])
    occupations = Counter(persons.values_list("occupation", flat=True))
    assert occupations["工厂工人"] > 1000 and occupations["学生"] > 300 and occupations["外卖骑手"] > 50
    assert all(2 <= len(name) <= 3 for name in persons.values_list("name", flat=True))
    # Many different names, as in a real village: no name is shared by more than a handful.
    names = Counter(persons.values_list("name", flat=True))
    assert len(names) > 0.8 * persons.count() and names.most_common(1)[0][1] <= 6
    # Search keys were filled although bulk_create skips save().
    assert not persons.filter(name_initials="").exists()
    assert not persons.exclude(id_number="").filter(id_last4="").exists()
    person = persons.exclude(phone="").first()
    assert person.phone_last4 == person.phone[-4:]


def test_id_numbers_and_phones_are_valid_and_unique(community):
    persons = Person.objects.filter(community=community)
    resident_ids = list(persons.filter(id_type=IdType.RESIDENT_ID).values_list("id_number", "sex", "birth_date"))
    assert len(resident_ids) > 5500
    for number, sex, birth in resident_ids:
        info = idnumber.parse(number)
        assert (info.sex, info.birth_date, info.kind, info.warnings) == (sex, birth, "mainland", [])
    numbers = [n for n in persons.values_list("id_number", flat=True) if n]
    assert len(numbers) == len(set(numbers))
    areas = Counter(number[:4] for number, _sex, _birth in resident_ids)
    assert areas["3505"] > 300  # Quanzhou
    assert areas["5130"] > 300 and areas["5226"] > 200 and areas["3607"] > 100  # 四川, 贵州, 江西
    phones = [p for p in persons.values_list("phone", flat=True) if p]
    assert len(phones) > 4000 and len(phones) == len(set(phones))
    assert all(phone.normalize(p) == p for p in phones)


def test_other_documents_and_infants_without_one(community):
    persons = Person.objects.filter(community=community)
    taiwan = persons.get(id_type=IdType.RESIDENCE_PERMIT)
    assert taiwan.id_number.startswith("830000") and idnumber.parse(taiwan.id_number).kind == "tw"
    assert persons.filter(id_type=IdType.PASSPORT).count() == 1
    no_document = persons.filter(id_type=IdType.NONE)
    assert no_document.exists()
    assert all(p.age <= 2 and p.id_number == "" and p.birth_date for p in no_document)


def test_special_care_tags_at_plausible_rates(community):
    tags = Counter(PersonTag.objects.filter(person__community=community).values_list("tag", flat=True))
    assert set(tags) == set(CareTag.values)
    assert 1 <= tags[CareTag.DIALYSIS] <= 10
    assert 3 <= tags[CareTag.ELDERLY_ALONE] <= 40
    assert 10 <= tags[CareTag.PREGNANT] <= 80
    assert tags[CareTag.INFANT] <= 120 and tags[CareTag.EXAM_STUDENT] <= 60
    assert sum(tags.values()) < 0.15 * Person.objects.filter(community=community).count()
    for person in Person.objects.filter(tags__tag=CareTag.ELDERLY_ALONE):
        assert person.age >= 70 and person.household.members.count() == 1


def test_some_places_are_sealed_or_controlled(community):
    assert Grid.objects.get(community=community, number=5).control_status == ControlStatus.CONTROLLED
    sealed = Building.objects.filter(community=community, control_status=ControlStatus.SEALED)
    assert set(sealed.values_list("door_number", flat=True)) == {"564", "21-1", "800"}
    assert Building.objects.filter(community=community, control_status=ControlStatus.CONTROLLED).exists()
    assert Household.objects.filter(community=community, control_status=ControlStatus.SEALED).count() == 2


def test_every_person_has_a_residence_and_a_timeline_but_only_one_audit_entry(community):
    total = Person.objects.filter(community=community).count()
    residences = Residence.objects.filter(community=community, moved_out__isnull=True)
    assert residences.count() == total
    assert not Person.objects.filter(community=community).exclude(
        residences__household_id=F("household_id")).exists()
    assert TimelineEntry.objects.filter(community=community, kind="registered").count() == total
    # The generated places and people: one entry for the whole community, not one per row. The
    # day's work after it went through the services as the demo command post, with its own.
    entries = AuditEntry.objects.filter(community=community, user__isnull=True)
    assert entries.count() == 1
    entry = entries.get()
    assert (entry.action, entry.object_type, entry.object_id) == ("create", "community", str(community.pk))
    assert not AuditEntry.objects.filter(community=community, object_type="person", action="create").exists()
    assert set(AuditEntry.objects.filter(community=community, user__isnull=False)
               .values_list("username", flat=True)) == {"command"}


# --- the day's work: something on every page ----------------------------------------------------


def test_a_testing_round_of_the_day_is_scheduled_half_sampled_with_a_positive_pool(community):
    from fangkong.testing import services as testing
    from fangkong.testing.models import SamplingSlot, TestRound

    round_ = TestRound.objects.get(community=community)
    assert round_.date == timezone.localdate() and round_.point_list == ["旧村广场", "老人活动中心"]
    buildings = operation_buildings(round_).count()
    assert SamplingSlot.objects.filter(round=round_).count() == buildings > 20
    cover = testing.coverage(round_, get_user_model().objects.get(username="command")).community
    assert 0.4 * cover.must < cover.sampled < 0.8 * cover.must and 0 < cover.back < cover.sampled
    assert 1 <= testing.retest_persons(round_).count() <= 10  # one pool of ten


def test_key_persons_under_measures_some_ending_today(community):
    from fangkong.health import services as health
    from fangkong.health.models import ArrivalStatus, KeyPerson, Seal, State

    command = get_user_model().objects.get(username="command")
    today = timezone.localdate()
    assert KeyPerson.objects.filter(person__community=community).count() >= 15
    assert health.ending(command, today).count() >= 1
    assert health.ending(command, today + timedelta(days=1)).count() >= 1
    assert KeyPerson.objects.filter(person__community=community, state=State.FEVER).count() == 1
    assert Seal.objects.filter(community=community, removed_on__isnull=True).count() >= 5
    assert health.broken_seals(command, today).count() == 0
    statuses = set(community_arrivals(community).values_list("status", flat=True))
    assert ArrivalStatus.NEEDS_DECISION in statuses and len(statuses) == 2


def test_staff_has_rosters_the_daily_five_half_done_and_a_day_of_checks(community):
    from fangkong.staff import checks
    from fangkong.staff import services as staff
    from fangkong.staff.models import Duty, FiveTick, SpotCheck, TaskStatus

    command = get_user_model().objects.get(username="command")
    today = timezone.localdate()
    days = set(Duty.objects.filter(community=community).values_list("on", flat=True))
    assert {today + timedelta(days=n) for n in range(1, 7)} <= days
    assert FiveTick.objects.filter(community=community, on=today).exists()
    cover = staff.coverage(command, [community.pk])
    assert 0 < cover.n_buildings_uncovered < cover.n_buildings
    # Three levels of spot check, findings as tasks (one put right today), all on the 4 p.m. list.
    assert set(SpotCheck.objects.filter(community=community).values_list("level", flat=True)) == {
        "first_secretary", "unit_leader", "responsible"}
    findings = checks.open_findings(community, today, command)
    assert {t.status for t in findings} == {TaskStatus.OPEN, TaskStatus.DONE} and len(findings) == 4
    rounds = checks.disinfection_today(command, community, today)
    assert 0 < rounds["rounds_missing"] < rounds["rounds_due"]
    garbage = checks.garbage_today(command, community, today)
    assert garbage["collected"] >= 1 and {line["status"] for line in garbage["uncollected"]} == {"left", "not_out"}


def community_arrivals(community):
    from fangkong.health.models import ArrivalReport

    return ArrivalReport.objects.filter(community=community)


def test_a_screening_round_is_under_way_with_doors_to_revisit(community):
    from fangkong.registry import screening
    from fangkong.registry.models import ScreeningRound

    command = get_user_model().objects.get(username="command")
    round_ = ScreeningRound.objects.get(community=community)
    cover = screening.coverage(round_, command).community
    assert 0.5 * cover.total < cover.visited < 0.85 * cover.total
    assert cover.confirmed > 100
    assert cover.nobody_home >= 1 and len(list(screening.revisits(round_, command))) == cover.nobody_home


def test_door_numbers_jump_and_are_not_created_in_order(community):
    created = list(Building.objects.filter(community=community).order_by("pk").values_list("door_number", flat=True))
    natural = sorted(created, key=natural_key)
    assert created != natural
    assert list(Building.objects.filter(community=community).values_list("door_number", flat=True)) == natural
    assert {"3", "17", "564", "800", "88A", "21-1"} <= set(created)
    assert any(not door.isdigit() for door in created if door not in {"88A", "21-1"})
    grid5 = set(Building.objects.filter(community=community, grid__number=5).values_list("door_number", flat=True))
    assert {"3", "17", "564", "800"} <= grid5
    assert min(grid5, key=natural_key) == "3" and max(grid5, key=natural_key) == "800"


def test_running_again_keeps_the_data(community):
    before = digest(community)
    person_ids = set(Person.objects.filter(community=community).values_list("pk", flat=True))
    output = run_demo()
    assert demo.find_demo().pk == community.pk
    assert set(Person.objects.filter(community=community).values_list("pk", flat=True)) == person_ids
    assert digest(community) == before
    assert get_user_model().objects.filter(username__in=demo.USERNAMES).count() == len(demo.ACCOUNTS)
    assert all(username in output for username in demo.USERNAMES)


def test_running_again_puts_back_a_deleted_account(community):
    get_user_model().objects.get(username="guard").delete()
    output = run_demo()
    assert "guard" in output
    assert RoleAssignment.objects.get(user__username="guard", community=community).role == Role.GUARD


def test_rebuild_builds_the_same_village_again(community):
    before = digest(community)
    output = run_demo("--rebuild")
    rebuilt = demo.find_demo()
    assert rebuilt.pk != community.pk
    assert digest(rebuilt) == before
    assert Person.objects.filter(community=community).count() == 0
    assert get_user_model().objects.filter(username__in=demo.USERNAMES).count() == len(demo.ACCOUNTS)
    assert RoleAssignment.objects.filter(community=rebuilt).count() == len(demo.ACCOUNTS)
    assert "buildingleader" in output


def test_rebuild_refuses_to_take_over_a_real_users_name(community):
    other = Community.objects.create(name="金沙社区", code="jinsha")
    user = get_user_model().objects.get(username="sampler")
    RoleAssignment.objects.create(user=user, role=Role.SAMPLER, community=other)
    with pytest.raises(CommandError, match="sampler"):
        run_demo("--rebuild")
    assert demo.find_demo().pk == community.pk  # nothing was deleted
    with pytest.raises(demo.DemoError):
        demo.build_demo()


def test_one_account_per_role_and_the_output_lists_them(community, first_output, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    rows = demo.demo_accounts(community)
    assert {RoleAssignment.objects.get(user__username=row["username"], community=community).role
            for row in rows} == set(Role.values)
    for row in rows:
        assert row["username"] in first_output and row["password"] == demo.DEMO_PASSWORD
    assert demo.DEMO_PASSWORD in first_output
    User = get_user_model()
    command = User.objects.get(username="command")
    assert command.check_password(demo.DEMO_PASSWORD)
    assert not command.is_staff and not command.is_superuser
    assert command.has_perm("core.reveal_personal_data")
    assert User.objects.get(username="gridleader").has_perm("core.reveal_personal_data")
    assert not User.objects.get(username="gridworker").has_perm("core.reveal_personal_data")
    leader_row = next(row for row in rows if row["username"] == "buildingleader")
    assert "17, 88A, 564" in leader_row["scope"]


def test_building_leader_sees_only_the_people_of_their_buildings(community):
    user = get_user_model().objects.get(username="buildingleader")
    buildings = Building.objects.filter(role_assignments__user=user)
    assert sorted(buildings.values_list("door_number", flat=True), key=natural_key) == ["17", "88A", "564"]
    assert set(buildings.values_list("grid__number", flat=True)) == {5}
    visible = Person.objects.visible_to(user)
    expected = Person.objects.filter(household__building__in=buildings)
    assert visible.count() == expected.count() > 20
    assert set(visible.values_list("household__building_id", flat=True)) == set(buildings.values_list("pk", flat=True))


def test_grid_worker_sees_grid_5_and_the_command_post_everyone(community):
    worker = get_user_model().objects.get(username="gridworker")
    grid5 = Person.objects.filter(community=community, household__building__grid__number=5)
    assert Person.objects.visible_to(worker).count() == grid5.count() > 500
    command = get_user_model().objects.get(username="command")
    assert Person.objects.visible_to(command).count() == Person.objects.filter(community=community).count()
