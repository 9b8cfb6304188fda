"""The demo community's people: workers from four kinds of units, teams, 包保 of every building but a
few (the gaps in red), a week of rosters at the checkpoint and sampling posts, today's daily five
half done, a few tasks (one overdue), and a volunteer waiting for approval. Called by core.demo."""

import datetime as dt
import random

from django.contrib.auth import get_user_model

from fangkong.core.models import Building

from . import services
from .models import Duty, FiveItem, FiveTick, Origin, Post, PostKind, TeamKind, VolunteerSignup

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



def remove_demo(community) -> None:
    """Before the demo community goes: a duty protects its shift, so duties go first."""
    Duty.objects.filter(community=community).delete()
