"""The rules of staff and duties, each with the refusal a user would see."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.actions import NotAllowed
from fangkong.health.models import Colour, KeyPerson, State
from fangkong.staff import services
from fangkong.staff.models import Assignment, Duty, FiveItem, FiveTick, TaskStatus, Team, TeamKind, WorkerHealth
from fangkong.staff.services import StaffError

from .helpers import TOMORROW, post, shifts, worker

pytestmark = pytest.mark.django_db


def code_of(call):
    with pytest.raises(StaffError) as error:
        call()
    return error.value.code


def test_a_worker_phone_is_checked_and_shown_masked(world):
    command = world.users["command_post"]
    w = services.create_worker(command, world.community, {"name": "林志强", "phone": "139 0595 1234",
                                                          "skills": ["driver", " 闽南话 "]})
    assert w.phone == "13905951234" and w.phone_masked == "139****1234"
    assert w.skills == ["driver", "闽南话"]
    bad = {"name": "x", "phone": "12345"}
    assert code_of(lambda: services.create_worker(command, world.community, bad)) == "bad_phone"


def test_a_building_leader_may_not_keep_the_register(world):
    with pytest.raises(NotAllowed):
        services.create_worker(world.users["building_leader"], world.community, {"name": "x"})


def test_the_gap_counts_are_the_buildings_nobody_available_answers_for(world):
    command = world.users["command_post"]
    before = services.coverage(command, [world.community.pk], shown=0)
    assert before.n_buildings == 3 and before.n_buildings_uncovered == 3  # 564, 17, 800
    services.assign(command, worker(world), building=world.building_a)
    after = services.coverage(command, [world.community.pk], shown=0)
    assert (after.n_buildings, after.n_buildings_uncovered) == (3, 2)
    assert after.buildings_uncovered == []  # shown=0: the home panel's counts only


def test_a_close_contact_is_taken_off_every_roster_and_flagged_for_hand_over(world):
    command = world.users["command_post"]
    w = worker(world)
    services.assign(command, w, building=world.building_a)
    services.add_duty(command, post(world), w, TOMORROW, shifts(world)[1])
    assert services.responsible_for([world.building_a.pk]) == {world.building_a.pk: w}
    removed = services.set_worker_health(command, w, WorkerHealth.CLOSE_CONTACT)
    assert removed == 1 and not Duty.objects.filter(worker=w).exists()
    cover = services.coverage(command, [world.community.pk])
    assert [a.worker for a in cover.handovers] == [w]
    assert world.building_a.pk in [b["id"] for b in cover.buildings_uncovered]
    assert (cover.n_buildings_uncovered, cover.n_handovers) == (len(cover.buildings_uncovered), 1)
    assert services.responsible_for([world.building_a.pk]) == {}


def test_assignments_refuse_another_community_and_unavailable_workers(world):
    command = world.users["command_post"]
    stranger = worker(world, grid=None)
    stranger.community, stranger.grid = world.other_community, None
    stranger.save()
    assert code_of(lambda: services.assign(command, stranger, building=world.building_a)) == "other_community"
    with pytest.raises(NotAllowed):  # nor may the command post act in another community
        services.assign(command, worker(world), building=world.other_building)
    w = worker(world)
    w.left_on = timezone.localdate()
    w.save()
    assert code_of(lambda: services.assign(command, w, building=world.building_a)) == "worker_unavailable"


def test_assigning_twice_is_refused_and_hand_over_moves_the_building(world):
    command = world.users["command_post"]
    a, b = worker(world), worker(world, "黄丽娟")
    first = services.assign(command, a, building=world.building_a)
    assert code_of(lambda: services.assign(command, a, building=world.building_a)) == "already_assigned"
    services.hand_over(command, first, b)
    assert services.responsible_for([world.building_a.pk]) == {world.building_a.pk: b}


def test_a_grid_leader_assigns_only_in_their_grid(world):
    w = worker(world, grid=world.grid2)
    with pytest.raises(NotAllowed):
        services.assign(world.users["grid_leader"], w, building=world.building_c)
    assert services.assign(world.users["grid_leader"], w, building=world.building_a).grid == world.grid1


def test_coverage_lists_key_persons_nobody_answers_for(world):
    command = world.users["command_post"]
    kp = KeyPerson.objects.create(community=world.community, person=world.person_a, state=State.CLOSE_CONTACT,
                                  since=timezone.localdate(), colour=Colour.RED)
    cover = services.coverage(command, [world.community.pk])
    assert kp.person.pk in [p["id"] for p in cover.keypersons_uncovered] and cover.n_keypersons_uncovered == 1
    services.assign(command, worker(world), person=kp.person)
    cover = services.coverage(command, [world.community.pk])
    assert kp.person.pk not in [p["id"] for p in cover.keypersons_uncovered] and cover.n_keypersons_uncovered == 0
    assert cover.n_keypersons == 1


def test_grid_screen_shows_buildings_in_door_order_with_gaps(world):
    command = world.users["command_post"]
    services.assign(command, worker(world), building=world.building_a)
    lines = services.grid_assignments(world.grid1, command)
    assert [line["building"].door_number for line in lines] == ["17", "564"]
    assert [line["gap"] for line in lines] == [True, False]


def test_roster_refuses_two_posts_at_once_the_past_and_the_same_shift_twice(world):
    command = world.users["command_post"]
    w, lane, point = worker(world), post(world), post(world, "核酸采样点")
    morning = shifts(world)[1]
    services.add_duty(command, lane, w, TOMORROW, morning)
    assert code_of(lambda: services.add_duty(command, point, w, TOMORROW, morning)) == "double_booked"
    assert code_of(lambda: services.add_duty(command, lane, w, TOMORROW, morning)) == "already_rostered"
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert code_of(lambda: services.add_duty(command, lane, w, yesterday, morning)) == "slot_in_past"


def test_roster_refuses_a_worker_off_sick(world):
    command = world.users["command_post"]
    w = worker(world, health=WorkerHealth.SICK)
    lane, night = post(world), shifts(world)[0]
    assert code_of(lambda: services.add_duty(command, lane, w, TOMORROW, night)) == "worker_unavailable"


def test_more_than_twelve_hours_in_a_row_is_warned_not_refused(world):
    command = world.users["command_post"]
    w, lane = worker(world), post(world)
    night, morning, evening = shifts(world)
    assert services.add_duty(command, lane, w, TOMORROW, night)[1] == []
    duty, warnings = services.add_duty(command, lane, w, TOMORROW, morning)
    assert duty.pk and len(warnings) == 1 and "16" in warnings[0]


def test_copy_last_week_copies_and_says_what_it_skipped(world):
    command = world.users["command_post"]
    a, b, lane = worker(world), worker(world, "黄丽娟"), post(world)
    monday = services.week_start(timezone.localdate()) + dt.timedelta(days=7)
    services.add_duty(command, lane, a, monday, shifts(world)[2])
    services.add_duty(command, lane, b, monday, shifts(world)[1])
    b.health = WorkerHealth.SICK
    b.save()
    copied, skipped = services.copy_week(command, world.community, monday + dt.timedelta(days=7))
    assert copied == 1 and len(skipped) == 1 and "黄丽娟" in skipped[0]


def test_sign_on_only_at_ones_own_post_in_time_and_twice_is_once(world):
    leader = world.users["building_leader"]
    w, lane = worker(world, user=leader), post(world)
    duty, _ = services.add_duty(world.users["command_post"], lane, w, TOMORROW, shifts(world)[1])
    assert code_of(lambda: services.sign_on(leader, duty)) == "not_rostered"  # not now
    at = duty.starts_at + dt.timedelta(minutes=5)
    first = services.sign_on(leader, duty, now=at).signed_on_at
    assert services.sign_on(leader, duty, now=at + dt.timedelta(minutes=1)).signed_on_at == first
    assert code_of(lambda: services.sign_on(world.users["grid_worker"], duty, now=at)) == "not_rostered"
    services.sign_off(leader, duty, "东侧栏杆松动", now=duty.ends_at)
    duty.refresh_from_db()
    assert duty.signed_off_at == duty.ends_at and duty.handover_note == "东侧栏杆松动"


def test_on_duty_now_shows_uncovered_posts(world):
    command = world.users["command_post"]
    lane = post(world)
    lines = services.on_duty_now(command)
    assert lines[0]["post"] == lane and lines[0]["uncovered"]


def test_daily_five_ticks_are_idempotent_and_only_for_ones_households(world):
    leader = world.users["building_leader"]
    w = worker(world, user=leader)
    services.assign(world.users["command_post"], w, building=world.building_a)
    tick, created = services.tick_five(leader, world.household_a1, FiveItem.CALL, "c-1")
    again, created_again = services.tick_five(leader, world.household_a1, FiveItem.CALL, "c-1")
    other_id, created_other = services.tick_five(leader, world.household_a1, FiveItem.CALL, "c-2")
    assert created and not created_again and not created_other and again == tick == other_id
    assert FiveTick.objects.count() == 1
    assert code_of(lambda: services.tick_five(leader, world.household_b1, FiveItem.CALL, "c-3")) == "not_assigned"
    assert code_of(lambda: services.tick_five(leader, world.household_a1, "sing", "c-4")) == "bad_item"


def test_completion_counts_households_done_per_cadre_and_unseen_households(world):
    leader, command = world.users["building_leader"], world.users["command_post"]
    w = worker(world, user=leader)
    services.assign(command, w, building=world.building_a)
    services.assign(command, w, household=world.household_b1)
    for n, item in enumerate(FiveItem.values):
        services.tick_five(leader, world.household_a1, item, f"t{n}", seal_intact=False)
    report = services.five_completion(command, world.community, timezone.localdate())
    assert [(c["name"], c["households"], c["done"]) for c in report["cadres"]] == [(w.name, 2, 1)]
    unseen = {line["id"] for line in report["unseen"]}
    assert world.household_a1.pk not in unseen and world.household_b1.pk in unseen
    assert [t.household for t in report["problems"]] == [world.household_a1]


def test_overdue_tasks_go_to_the_team_leader_then_the_command_post(world):
    command = world.users["command_post"]
    team = Team.objects.create(community=world.community, kind=TeamKind.DISINFECTION, name="消杀组",
                               leader=worker(world))
    today = timezone.localdate()
    task = services.create_task(command, world.community, "564栋公共区域消杀", owner_team=team,
                                building=world.building_a)
    assert task.due_on == today and task.grid == world.grid1
    assert services.escalation(task, today) == "owner"
    assert services.escalation(task, today + dt.timedelta(days=1)) == "team_leader"
    assert services.escalation(task, today + dt.timedelta(days=2)) == "command_post"
    assert code_of(lambda: services.create_task(command, world.community, "x", owner_team=team,
                                                due_on=today - dt.timedelta(days=1))) == "deadline_past"
    assert code_of(lambda: services.create_task(command, world.community, "x")) == "one_owner"
    assert "564栋公共区域消杀" in services.arrangements_text(team, today)
    services.close_task(command, task)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_volunteer_signup_is_rate_limited_and_approval_makes_a_worker(world):
    for n in range(services.SIGNUPS_PER_HOUR):
        signup = services.submit_signup(world.community, {"name": f"志愿者{n}", "phone": "13905950000"}, "1.2.3.4")
    assert code_of(lambda: services.submit_signup(world.community, {"name": "x", "phone": "13905950000"},
                                                  "1.2.3.4")) == "too_many_signups"
    assert services.submit_signup(world.community, {"name": "y", "phone": "13905950000"}, "5.6.7.8")
    with pytest.raises(NotAllowed):
        services.decide_signup(world.users["grid_leader"], signup, True)
    new = services.decide_signup(world.users["command_post"], signup, True)
    assert new.name == signup.name and new.origin == "volunteer"
    assert code_of(lambda: services.decide_signup(world.users["command_post"], signup, False)) == "already_decided"


def test_assignment_rows_carry_their_community(world):
    services.assign(world.users["command_post"], worker(world), household=world.household_c1)
    row = Assignment.objects.get()
    assert row.community == world.community and row.building == world.building_c and row.grid == world.grid2


def test_the_key_person_register_shows_a_change_of_assignment_at_once(world, login):
    """The register keeps its responsible column on the row; an assignment made, handed over or
    ended, or its worker falling ill, sets it again in the same transaction (core's
    responsibility_changed), the person's own assignment before the door's."""
    from django.contrib.auth import get_user_model

    from fangkong.health import services as health

    command, leader = world.users["command_post"], world.users["building_leader"]
    key = health.set_state(command, world.person_a, State.CLOSE_CONTACT)
    assert key.responsible == leader  # building A's building leader, before anyone is assigned
    cadre_user, other_user, third_user = (get_user_model().objects.create_user(name, first_name=name.title())
                                          for name in ("cadre", "other", "third"))
    cadre = worker(world, "林志强", user=cadre_user)
    first = services.assign(command, cadre, building=world.building_a)

    def responsible():
        key.refresh_from_db()
        return key.responsible

    assert responsible() == cadre_user
    assert health.register(command).get(pk=key.pk).responsible == cadre_user
    assert "Cadre" in login(command).get(f"/health/keypersons/{key.pk}/").content.decode()  # the page at once
    services.set_worker_health(command, cadre, WorkerHealth.SICK)
    assert responsible() == leader  # nobody available on the door: the building leader again
    services.set_worker_health(command, cadre, WorkerHealth.WELL)
    assert responsible() == cadre_user
    mine = services.assign(command, worker(world, "黄丽娟", user=other_user), person=world.person_a)
    assert responsible() == other_user  # the person's own assignment first
    services.end_assignment(command, mine)
    assert responsible() == cadre_user
    services.hand_over(command, first, worker(world, "陈国华"))  # a worker without an account
    assert responsible() == leader
    # Another door's change leaves this row alone.
    services.assign(command, worker(world, "吴国庆", user=third_user), building=world.building_c)
    assert responsible() == leader


def test_completion_names_a_page_of_unseen_rooms_but_counts_them_all(world, monkeypatch):
    command = world.users["command_post"]
    w = worker(world)
    for building in (world.building_a, world.building_c):
        services.assign(command, w, building=building)
    whole = services.five_completion(command, world.community, timezone.localdate())
    assert whole["unseen_count"] >= 2 and len(whole["unseen"]) == whole["unseen_count"]
    monkeypatch.setattr(services, "UNSEEN_ROOMS_SHOWN", 1)
    page = services.five_completion(command, world.community, timezone.localdate())
    assert page["unseen_count"] == whole["unseen_count"]
    assert page["unseen"] == whole["unseen"][:len(page["unseen"])] and len(page["unseen"]) < whole["unseen_count"]
