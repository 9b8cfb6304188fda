"""Issue 10 §4: a seal found intact is in the audit log like a broken one; the gate cannot record
a return from central quarantine before the measure ends unless the command post released the
person early, with a reason (audited)."""

from datetime import date, timedelta

import pytest

from fangkong.core.actions import NotAllowed
from fangkong.core.models import AuditAction, AuditEntry
from fangkong.health import services
from fangkong.health.models import MeasureKind, Reception, SealResult

DAY = timedelta(days=1)
AUG30 = date(2022, 8, 30)


@pytest.fixture
def command(world):
    return world.users["command_post"]


def test_an_intact_seal_check_writes_an_audit_entry(world, command):
    services.start_measure(command, world.person_a, MeasureKind.HOME, AUG30, AUG30 + 6 * DAY, today=AUG30)
    seal = world.household_a1.seals.get()
    before = AuditEntry.objects.filter(object_type="seal").count()
    services.check_seal(world.users["building_leader"], seal, SealResult.INTACT, on=AUG30 + DAY)
    entry = AuditEntry.objects.filter(object_type="seal").order_by("-pk").first()
    assert AuditEntry.objects.filter(object_type="seal").count() == before + 1
    assert entry.changes["seal"] == ["", SealResult.INTACT] and entry.user == world.users["building_leader"]


def central(world, command):
    return services.start_measure(command, world.person_a, MeasureKind.CENTRAL, AUG30, AUG30 + 13 * DAY,
                                  today=AUG30)


def test_the_guard_cannot_record_a_return_before_the_quarantine_ends(world, command):
    measure = central(world, command)
    with pytest.raises(services.HealthError) as early:
        services.receive(world.users["guard"], measure, today=measure.end - DAY)
    assert early.value.code == "not_due"
    assert not Reception.objects.exists()
    assert services.receive(world.users["guard"], measure, today=measure.end).pk


def test_the_command_post_releases_early_with_a_reason_and_then_the_gate_receives(world, command):
    measure = central(world, command)
    today = AUG30 + 5 * DAY
    with pytest.raises(NotAllowed):
        services.release_early(world.users["guard"], measure, "核酸阴性", today=today)
    with pytest.raises(NotAllowed):
        services.release_early(world.users["building_leader"], measure, "核酸阴性", today=today)
    with pytest.raises(services.HealthError) as no_reason:
        services.release_early(command, measure, " ", today=today)
    assert no_reason.value.code == "reason_required"
    services.release_early(command, measure, "转院治疗", today=today)
    measure.refresh_from_db()
    assert measure.end == today
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, object_type="measure", reason="转院治疗")
    assert entry.changes["end"] == [(AUG30 + 13 * DAY).isoformat(), today.isoformat()]
    assert services.receive(world.users["guard"], measure, today=today).pk


# --- the page (issue 10 §4: the service had none) ----------------------------------------------


def test_the_early_release_page_from_the_key_person_s_page_with_a_reason_audited(world, command, login):
    from django.urls import reverse
    from django.utils import timezone

    from fangkong.health.models import KeyPerson

    today = timezone.localdate()
    measure = services.start_measure(command, world.person_a, MeasureKind.CENTRAL, today - 3 * DAY,
                                     today + 10 * DAY, today=today - 3 * DAY)
    key = KeyPerson.objects.get(person=world.person_a)
    url = reverse("measure_release", args=[measure.pk])
    client = login(command)
    assert url in client.get(key.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 400
    measure.refresh_from_db()
    assert measure.end == today + 10 * DAY
    response = client.post(url, {"reason": "两次核酸阴性，疾控解除通知"})
    assert response.status_code == 302 and response["Location"] == key.get_absolute_url()
    measure.refresh_from_db()
    assert measure.end == today
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, object_type="measure",
                                   reason="两次核酸阴性，疾控解除通知")
    assert entry.user == command and entry.changes["early_release"] == ["", "两次核酸阴性，疾控解除通知"]
    # Released: no button any more, and the gate receives them today.
    assert url not in client.get(key.get_absolute_url()).content.decode()
    assert services.receive(world.users["guard"], measure, today=today).pk


def test_only_the_command_post_sees_and_uses_the_early_release_page(world, command, login):
    from django.urls import reverse
    from django.utils import timezone

    from fangkong.health.models import KeyPerson

    today = timezone.localdate()
    measure = services.start_measure(command, world.person_a, MeasureKind.CENTRAL, today, today + 13 * DAY,
                                     today=today)
    key = KeyPerson.objects.get(person=world.person_a)
    url = reverse("measure_release", args=[measure.pk])
    for role in ("grid_leader", "building_leader"):
        client = login(world.users[role])
        assert url not in client.get(key.get_absolute_url()).content.decode()
        assert client.post(url, {"reason": "核酸阴性"}).status_code == 403
    # The guard reads the measure (the gate) and may not release: 403 too.
    assert login(world.users["guard"]).post(url, {"reason": "核酸阴性"}).status_code == 403
    measure.refresh_from_db()
    assert measure.end == today + 13 * DAY
    # A home measure has no early release page.
    home = services.start_measure(command, world.person_b, MeasureKind.HOME, today, today + 6 * DAY, today=today)
    assert login(command).get(reverse("measure_release", args=[home.pk])).status_code == 404
