"""The demo community's health control on the day it is built: the risk areas of seed 003's notice,
a hotel for central quarantine, close contacts sealed at home in the sealed buildings, people at
the hotel (one due back today), arrivals from a medium-risk area, a fever, and today's reports.

Written through the services, as the command post would, so that the timeline, the audit log,
the seals and the colours are what they would be. Called by ``fangkong.core.demo``."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from fangkong.core.models import Building, ControlStatus, Person

from . import services
from .models import MeasureKind, QuarantineSite, Seal, SealResult, State, Transfer, TransferStatus
from .notice import parse_notice

DAY = dt.timedelta(days=1)

# The first part of seed 003's notice (商洛市, 第20号), in its own layout.
NOTICE = """商洛市疫情防控应急指挥部 关于调整风险等级的通告 (第20号)
根据当前新冠肺炎疫情防控需要,经综合研判,自2022年8月30日12时起,调整风险区域如下:
一、高风险区降为中风险区(5个)
商州区(5个):君诚酒店、安居巷市政园林管理处6号楼、工农路市财政局家属院后南楼、江南小区西区竹轩3号楼、杨斜镇海棠岔村5组(王某某)。
以上区域实行“足不出户、错峰取物”等管控措施。
二、中风险区降为低风险区(3个)
商州区(3个):香菊路建司1队北楼宿舍楼、东关7组56号、市移动公司家属院。
以上区域实行“个人防护、避免聚集”等防范措施。特此通告。
"""


def add_demo(community, actor, today: dt.date, seed: int) -> None:
    rng = random.Random(seed + 5)
    # Step 1: the register of risk areas, from the notice, as the command post confirms it.
    parsed = parse_notice(NOTICE)
    services.apply_notice(actor, community, [
        {"name": c.name, "parent": c.parent, "new_level": c.new_level, "effective_from": c.effective_from}
        for c in parsed.changes], parsed.number)
    services.ensure_policy(community)

    # Step 2: people, from the sealed buildings (close contacts) and elsewhere (arrivals).
    sealed = list(Building.objects.filter(community=community, control_status=ControlStatus.SEALED)
                  .order_by("door_sort"))
    in_sealed = list(Person.objects.filter(household__building__in=sealed, birth_date__isnull=False)
                     .select_related("household").order_by("pk"))
    others = list(Person.objects.filter(community=community).exclude(household__building__in=sealed)
                  .select_related("household").order_by("pk"))
    rng.shuffle(in_sealed)
    rng.shuffle(others)

    # Close contacts sealed at home: their doors are sealed by the measure itself. Started on
    # different days, so that some end today and some tomorrow.
    for index, person in enumerate(in_sealed[:8]):
        start = today - dt.timedelta(days=6 - index % 3)
        services.start_measure(actor, person, MeasureKind.HOME, start, start + 6 * DAY, "1,3,7",
                               state=State.CLOSE_CONTACT, today=today)
    for person in in_sealed[8:11]:
        services.start_measure(actor, person, MeasureKind.HOME, today - 2 * DAY, today + 4 * DAY, "1,3,7",
                               state=State.SECONDARY_CONTACT, today=today)

    # Central quarantine at a hotel: three there, one of them due back today, two awaiting transfer.
    site = QuarantineSite.objects.create(community=community, name="丰泽区东海湾酒店（集中隔离点）",
                                         address="泉州市丰泽区东海街道东海大街 88 号", rooms=60, capacity=60,
                                         contact_name="林志强", contact_phone="13905958866")
    at_site = []
    for index, person in enumerate(others[:3]):
        start = today - dt.timedelta(days=6 if index == 0 else 3)
        measure = services.start_measure(actor, person, MeasureKind.CENTRAL, start, start + 6 * DAY, "1,3,7",
                                         state=State.CLOSE_CONTACT, today=today)
        at_site.append(measure)
    departs = timezone.make_aware(dt.datetime.combine(today - 6 * DAY, dt.time(21, 30)))
    transfer = services.create_transfer(actor, site, at_site, "闽C·J8801（转运大巴）", departs, today=today)
    services.set_transfer_status(actor, transfer, TransferStatus.AT_SITE)
    for index, measure in enumerate(at_site):
        services.set_room(actor, measure, f"{3}{index + 1:02d}")
    for person in others[3:5]:
        services.start_measure(actor, person, MeasureKind.CENTRAL, today, today + 6 * DAY, "1,3,7",
                               state=State.CLOSE_CONTACT, today=today)

    # Arrivals from a medium-risk area: the policy proposes the measure, staff confirm it.
    area = services.find_area(community, "君诚酒店")
    for person in others[5:7]:
        report = services.report_arrival(actor, person, travel_date=today - DAY, arrival_date=today - DAY,
                                         origin_area=area, transport="G1602 次列车", companions="")
        services.decide_arrival(actor, report, today=today)
    # One arrival from a place the register does not know: waits for a decision.
    services.report_arrival(actor, others[7], travel_date=today, arrival_date=today, origin_text="西安市雁塔区某小区",
                            transport="自驾")

    # Step 3: today's reports of the people sealed at home; one fever, one not reported yet.
    rows = []
    for index, person in enumerate(in_sealed[:10]):
        temperature = Decimal("37.6") if index == 0 else Decimal(36) + Decimal(rng.randint(2, 8)) / 10
        rows.append((person, temperature, ["cough"] if index == 0 else []))
    services.record_reports(actor, today, rows)
    # Seal checks: all intact but the first, which nobody has checked yet.
    for seal in Seal.objects.filter(community=community, removed_on__isnull=True).order_by("pk")[1:]:
        services.check_seal(actor, seal, SealResult.INTACT, on=today)


def remove_demo(community) -> None:
    """Before the demo community goes: a transfer protects its site, so transfers go first."""
    Transfer.objects.filter(community=community).delete()
