"""A day of supplies in the demo community, written through the services by the demo command
post: the sealed buildings' requests entered by their
building leader, the 12:00 cut-off, a cart from the east transfer station at 12:30 delivered door
by door (one door nobody answered), afternoon requests waiting for 18:00, a "35元爱心菜" group buy
open until 20:00, seed 000's donations in the store (masks running low), free meals for
households without a kitchen (lunch handed over, supper still to come), a care plan for every
special-care person (some not contacted yet), the dialysis patients' ambulance trips every two
days (this morning's done), medicine bought for the elderly living alone, and counselling calls
routed to the demo volunteer, some due today. Called by ``fangkong.core.demo``."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.core.models import Building, ControlStatus, Household, Person

from . import services
from .models import CarePlan, Kind, MedicalTrip, Outcome, Request, StockItem, SupplyPoint, TripKind, TripStatus, Urgency

WANTS = [
    (Kind.GROCERIES, "蔬菜包", 1, Urgency.NORMAL), (Kind.GROCERIES, "大米 10斤", 1, Urgency.NORMAL),
    (Kind.GROCERIES, "鸡蛋 30枚", 1, Urgency.NORMAL), (Kind.MEDICINE, "降压药 (处方已拍照)", 1, Urgency.MEDICAL),
    (Kind.GAS, "液化气 15kg", 1, Urgency.NORMAL), (Kind.CARD_TOPUP, "电卡充值 100元", 1, Urgency.NORMAL),
    (Kind.BABY, "奶粉 (1段)", 2, Urgency.INFANT), (Kind.SANITARY, "卫生巾", 2, Urgency.NORMAL),
]
STOCK = [("大米", "斤", 5000, 500), ("食用油", "桶", 300, 30), ("口罩", "只", 18000, 20000),
         ("防护服", "套", 200, 50), ("酒精", "瓶", 1800, 200), ("方便食品", "箱", 530, 50)]


def _at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _user(username, fallback):
    return get_user_model().objects.filter(username=username).first() or fallback


def add_demo(community, actor, today: dt.date, seed: int) -> None:
    rng = random.Random(seed + 14)
    # Everything is written by the demo command post (core's demo test holds the audit log to
    # that); the run still goes to the demo volunteer, whose phone page then shows it.
    volunteer = _user("volunteer", actor)
    shop = SupplyPoint.objects.create(community=community, name="永辉超市(保供点)", contact="0595-2288xxxx")
    pharmacy = SupplyPoint.objects.create(community=community, name="惠民大药房")
    gas = SupplyPoint.objects.create(community=community, name="华润燃气")
    points = {Kind.MEDICINE: pharmacy, Kind.GAS: gas}

    # Step 1: the sealed buildings and the leader's own; their requests entered door by door.
    sealed = list(Building.objects.filter(community=community, control_status=ControlStatus.SEALED)
                  .order_by("door_sort"))
    leader_doors = list(Building.objects.filter(community=community, door_number__in=["17", "564", "88A"]))
    served = list({b.pk: b for b in sealed + leader_doors}.values())
    east = services.create_station(actor, community, "东门中转站", served, place="村委会东侧停车场")
    services.create_station(actor, community, "北区中转站", Building.objects.filter(
        community=community, grid__number=5).exclude(pk__in=[b.pk for b in served])[:6], place="北区篮球场")

    def enter_morning(building):
        households = list(Household.objects.filter(building=building, status="occupied").order_by("room_sort"))
        by_want: dict = {}
        for household in households:
            if rng.random() < 0.7:
                by_want.setdefault(rng.choice(WANTS), []).append(household)
        for (kind, item, quantity, urgency), chosen in by_want.items():
            services.enter_requests(actor, building, [services.RequestRow(
                household=h, kind=kind, item=item, quantity=quantity, urgency=urgency) for h in chosen])

    for building in served:
        enter_morning(building)
    for kind, point in points.items():
        Request.objects.filter(community=community, kind=kind).update(supply_point=point)
    Request.objects.filter(community=community, supply_point__isnull=True).update(supply_point=shop)

    # Step 2: the 12:00 cut-off, then the 12:30 cart from the east station, delivered door by door.
    services.run_cutoff(actor, community, at=_at(today, 12))
    run = services.plan_run(actor, east, volunteer, _at(today, 12, 30), cart="1号手推车")
    door_list = services.run_doors(actor, run)
    for index, door in enumerate(door_list[: len(door_list) * 2 // 3]):
        outcome = Outcome.NOBODY_HOME if index == 3 else Outcome.DELIVERED
        services.record_handover(actor, run, door.household, outcome, f"demo-{run.pk}-{index}")

    # Step 3: afternoon requests, waiting for the 18:00 cut-off; one entered twice, cancelled.
    for building in sealed[:2]:
        households = list(Household.objects.filter(building=building).order_by("room_sort")[:4])
        entered = services.enter_requests(actor, building, [services.RequestRow(
            household=h, kind=Kind.GROCERIES, item="晚餐蔬菜包") for h in households])
        if entered:
            services.cancel_request(actor, entered[0], "重复登记")

    # Step 4: the group buy, open until 20:00.
    catalogue = services.open_catalogue(actor, shop, "今日团购 (爱心菜)", _at(today, 20), [
        ("35元爱心菜", "份", "35", "白菜 2斤 土豆 2斤 胡萝卜 1斤 鸡蛋 10枚"), ("猪肉 (2斤装)", "份", "32", ""),
        ("牛奶 (箱)", "箱", "48", "")])
    items = list(catalogue.items.all())
    for index, household in enumerate(Household.objects.filter(building__in=leader_doors).order_by("pk")[:12]):
        order = services.place_order(actor, catalogue, household, {items[0].pk: 1 + index % 2,
                                                                   items[index % 3].pk: 1})
        if index % 2 == 0:
            services.set_paid(actor, order, True)

    # Step 5: seed 000's donations in the store, and what went out today.
    stock = {name: StockItem.objects.create(community=community, name=name, unit=unit, low_at=low)
             for name, unit, _quantity, low in STOCK}
    services.receive_donation(actor, community, "某爱心企业", [(stock["大米"], 5000), (stock["食用油"], 300)],
                              money=50000, note="5万元及米油")
    services.receive_donation(actor, community, "热心居民", [(stock[n], q) for n, _u, q, _l in STOCK[2:]])
    services.send_to_station(actor, stock["大米"], east, 600)
    services.send_to_station(actor, stock["方便食品"], east, 40)
    services.move_stock(actor, stock["口罩"], -2500, to_whom="卡口值守人员")

    # Step 6: free meals for households without a kitchen or income (seed 004).
    hardship = (Household.objects.filter(community=community, members__tags__tag="hardship")
                .distinct().order_by("pk")[:10])
    for index, household in enumerate(hardship):
        plan = services.save_meal_plan(actor, household, 1 + index % 3, "不放调料" if index == 0 else "",
                                       times="11:30,17:20")
        if index < 8:  # lunch carried to most; supper at 17:20 still to come
            services.record_meals(actor, plan, today, "11:30")

    # Step 7: care plans for every special-care person; half contacted this morning.
    services.ensure_care_plans(actor, community, today)
    for index, plan in enumerate(CarePlan.objects.filter(community=community).order_by("pk")):
        if index % 2 == 0:
            services.record_contact(actor, plan, "电话联系, 情况稳定", at=_at(today, 9))
    gridworker = _user("gridworker", actor)
    for plan in (CarePlan.objects.filter(community=community, person__tags__tag="dialysis")
                 .select_related("person").order_by("pk")):
        services.update_care_plan(actor, plan, needs="隔日血液透析, 提前采样", answerable=gridworker,
                                  items=[("escort", "120 点对点接送"), ("medicine", "降压药 每周代购")])
    for person in Person.objects.filter(community=community, tags__tag="dialysis").order_by("pk"):
        first = today - dt.timedelta(days=person.pk % 2)
        services.plan_trips(actor, person, first, 2, 10, "血液透析 (120 点对点接送)", at=dt.time(7, 30),
                            kind=TripKind.AMBULANCE, where="市第一医院血透室", taker=gridworker)
    # This morning's dialysis trips went; one patient was fetched late and says so.
    for index, trip in enumerate(MedicalTrip.objects.filter(community=community, on=today).order_by("pk")):
        services.set_trip_status(actor, trip, TripStatus.DONE, "晚到 20 分钟" if index == 0 else "")
    for person in Person.objects.filter(community=community, tags__tag="elderly_alone").order_by("pk")[:3]:
        services.plan_trips(actor, person, today, 7, 2, "代购慢性病药 (医保卡)", at=dt.time(15, 0),
                            kind=TripKind.MEDICINE, where="惠民大药房", taker=volunteer)

    # Step 8: counselling (温暖你我·公益心理) for people living alone or in hardship, routed to the
    # volunteer; one called this morning, the others due today.
    lonely = (CarePlan.objects.filter(community=community, person__tags__tag__in=["elderly_alone", "hardship"])
              .distinct().select_related("person").order_by("pk")[:3])
    for index, plan in enumerate(lonely):
        case = services.request_counselling(actor, plan, "独居封控, 情绪低落, 睡眠不好", every_days=2,
                                            counsellor=volunteer if volunteer != actor else None, today=today)
        if index == 0:
            services.record_counselling_call(actor, case, "聊了二十分钟, 约好后天再打", at=_at(today, 10))


def remove_demo(community) -> None:
    """Nothing here protects a row of core's; the community's cascade takes it all."""
