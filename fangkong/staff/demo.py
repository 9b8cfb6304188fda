"""The demo community's people: workers from four kinds of units, teams, 包保 of every building but a
few (the gaps in red), a week of rosters at the checkpoint and sampling posts, today's daily five
half done, a few tasks (one overdue), a volunteer waiting for approval, and a day of spot checks,
disinfection rounds and garbage from the sealed doors. Called by core.demo."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.core.models import Building, Household

from . import checks, services
from .models import (
    CheckLevel,
    Duty,
    FiveItem,
    FiveTick,
    GarbageStatus,
    Origin,
    Post,
    PostKind,
    TeamKind,
    VolunteerSignup,
)

UNITS = [(Origin.DEPLOYED, "丰泽区城东街道办"), (Origin.DEPLOYED, "丰泽区税务局"), (Origin.COMMUNITY, "浔美社区居委会"),
         (Origin.PROPERTY, "城东物业公司"), (Origin.POLICE, "城东派出所"), (Origin.VOLUNTEER, "")]
NAMES = ("林志强 黄丽娟 陈国华 蔡秀英 王建平 吴国庆 许明辉 郑海峰 "
         "苏德华 洪春梅 庄永福 施丽华 曾志明 柯文斌 傅佳明 杨晓燕").split()


def add_demo(community, actor, today: dt.date, seed: int) -> None:
    rng = random.Random(seed + 13)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["buildingleader", "gridworker"])}
    grids = {b.grid_id: b.grid for b in Building.objects.filter(community=community).select_related("grid")}
    workers = []
    for index, name in enumerate(NAMES * 2):
        origin, unit = UNITS[index % len(UNITS)]
        grid = list(grids.values())[index % len(grids)]
        user = {0: users.get("buildingleader"), 1: users.get("gridworker")}.get(index)
        workers.append(services.create_worker(actor, community, {
            "name": name if index < len(NAMES) else name[0] + "小" + name[-1],
            "phone": f"139{rng.randint(10**7, 10**8 - 1)}",
            "origin": origin, "unit_name": unit, "party_member": index % 3 == 0, "grid": grid, "user": user,
            "skills": rng.sample(["computer", "driver", "medical", "dialect"], 2),
            "arrived_on": today - dt.timedelta(days=rng.randint(1, 10))}))
    # Step 1: teams, the first worker of each leading it.
    for index, kind in enumerate([TeamKind.COORDINATION, TeamKind.PEOPLE, TeamKind.DELIVERY, TeamKind.DISINFECTION,
                                  TeamKind.GATE]):
        team = services.create_team(actor, community, kind, str(kind.label), leader=workers[index])
        for member in workers[5 + index * 3:8 + index * 3]:
            services.add_member(actor, team, member)
        services.create_task(actor, community, f"{kind.label}:今日工作小结", owner_team=team)
    # Step 2: 包保, two cadres a building (seed 002), a few buildings left without one.
    buildings = list(Building.objects.filter(community=community).order_by("grid__number", "door_sort"))
    leader_doors = {"17", "564", "88A"}
    for index, building in enumerate(buildings):
        if building.door_number in leader_doors:
            services.assign(actor, workers[0], building=building, today=today)
        elif index % 9 != 4:
            services.assign(actor, workers[(index % (len(workers) - 2)) + 2], building=building, today=today)
    # Step 3: posts and a week of rosters, this week from today on, three shifts.
    shifts = services.ensure_shifts(community)
    posts = [Post.objects.create(community=community, kind=kind, name=name) for kind, name in [
        (PostKind.CHECKPOINT, "浔美路卡口1号通道"), (PostKind.CHECKPOINT, "浔美路卡口2号通道"),
        (PostKind.SAMPLING, "社区广场核酸采样点"), (PostKind.TRANSFER, "东区物资中转站"),
        (PostKind.NIGHT, "指挥部夜间值班")]]
    now = services.timezone.now()
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        for p_index, post in enumerate(posts):
            for s_index, shift in enumerate(shifts):
                if post.kind == PostKind.NIGHT and s_index != 0:
                    continue
                worker = workers[2 + (p_index * 3 + s_index + offset) % (len(workers) - 2)]
                try:
                    services.add_duty(actor, post, worker, day, shift, now=now)
                except services.StaffError:
                    pass  # a shift already over today, or the worker elsewhere: the roster shows the gap
    # The building leader's own shift now, at the second lane.
    current = next(s for s in shifts if services.shift_span(s, today)[0] <= now < services.shift_span(s, today)[1])
    try:
        services.add_duty(actor, posts[1], workers[0], today, current, now=now - dt.timedelta(hours=8))
    except services.StaffError:
        pass
    # Step 4: today's daily five, half done by the building leader. Written as rows, not through
    # tick_five: that would audit them as the building leader, and the demo's work is the command
    # post's (tests/core/test_demo.py holds it to that).
    mine = workers[0]
    households = list(services.households_of(mine))
    FiveTick.objects.bulk_create([
        FiveTick(community=community, worker=mine, household=household, building_id=household.building_id,
                 grid_id=household.building.grid_id, on=today,
                 item=item, client_id=f"demo-{household.pk}-{item}",
                 seal_intact=(index != 1) if item == FiveItem.VISIT else None,
                 garbage_collected=True if item == FiveItem.VISIT else None)
        for index, household in enumerate(households[: len(households) // 2])
        for item in FiveItem.values[: 4 if index % 2 == 0 else 2]])
    # Step 5: a worker fell ill yesterday (their buildings need hand-over), an overdue task, a volunteer.
    services.set_worker_health(actor, workers[7], "close_contact")
    task = services.create_task(actor, community, "21-1栋垃圾清运复查", owner_worker=workers[3], today=today)
    task.due_on = today - dt.timedelta(days=2)
    task.save(update_fields=["due_on"])
    VolunteerSignup.objects.create(community=community, name="郑小雨", phone="13905957788", building_text="564-301",
                                   hours="每天下午", skills=["computer"])
    _checks_day(community, actor, today, buildings)


def _checks_day(community, actor, today: dt.date, buildings) -> None:
    """A day of spot checks (three levels, findings as tasks, one already fixed), disinfection rounds
    (most places done, some short, the rounds of a day that has not ended yet) and the garbage of the
    sealed doors (most collected, one bag left, one not put out), all through the services."""
    answered = [b for b in buildings if services.responsible_for([b.pk], today)]
    for index, (level, checker, findings) in enumerate([
            (CheckLevel.FIRST_SECRETARY, "蔡书记", ["楼道消杀记录未上墙", "2楼封条松动，需重新张贴"]),
            (CheckLevel.UNIT_LEADER, "城东街道 王科长", ["门岗登记表漏登2人"]),
            (CheckLevel.RESPONSIBLE, "林志强", []),
            (CheckLevel.UNIT_LEADER, "区税务局 陈副局长", ["垃圾收集点未按时清运"])]):
        building = answered[index * 3 % len(answered)]
        check, _created = checks.record_spot_check(
            actor, community, level=level, checker_name=checker, findings=findings, building=building,
            client_id=f"demo-check-{index}", note="" if findings else "检查无问题", today=today)
        if index == 1:  # one finding already put right, for the 4 p.m. meeting's "done today"
            for task in check.findings.all():
                services.close_task(actor, task)
    # Disinfection: common areas and the day's rounds so far (three a day by default).
    areas = [checks.add_area(actor, community, name) for name in ("社区广场", "东区垃圾收集点", "浔美路卡口")]
    start = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    now = timezone.now()
    hours = [h for h in (7, 12, 17) if start + dt.timedelta(hours=h) <= now] or [0]
    places = [{"building": b} for b in buildings[:12]] + [{"area": a} for a in areas]
    for index, place in enumerate(places):
        for n, hour in enumerate(hours[: len(hours) - index % 3 if index % 4 else len(hours)]):
            at = min(now, start + dt.timedelta(hours=hour, minutes=index * 3))
            checks.log_disinfection(actor, agent="84消毒液 1:100" if n % 2 == 0 else "75%酒精",
                                    what="楼道、电梯按钮、扶手" if "building" in place else "地面、垃圾桶",
                                    client_id=f"demo-disinfect-{index}-{n}", at=at, **place)
    # Garbage from the sealed doors.
    sealed = list(Household.objects.filter(community=community, pk__in=checks._sealed(today))
                  .select_related("building").order_by("pk"))
    for index, household in enumerate(sealed):
        status = {1: GarbageStatus.LEFT, 2: GarbageStatus.NOT_OUT}.get(index, GarbageStatus.COLLECTED)
        checks.log_garbage(actor, household, status, f"demo-garbage-{household.pk}", day=today)


def remove_demo(community) -> None:
    """Before the demo community goes: a duty protects its shift, so duties go first."""
    Duty.objects.filter(community=community).delete()
