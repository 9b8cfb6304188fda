"""A cut-off over 5,000 households with 20,000 open requests, and a station's pick list of 500
doors rendered through Django's test client: time and SQL queries.

    .venv/bin/python benchmarks/supplies_cutoff.py [--households 5000] [--per-household 4] [--doors 500] [--repeat 5]

Builds, in a temporary SQLite database (FANGKONG_DATA_DIR is a new temporary folder; DATABASE_URL
is ignored), a community of N households with bulk inserts and 4 open requests per household.

Printed figures, each against a floor measured in the same run:
- the cut-off (``supplies.services.run_cutoff``: one UPDATE, one GROUP BY into its lines, one
  aggregate, the audit entry), median of --repeat runs each rolled back, target under 1 s;
  floor: the bare read of the same rows (building, kind, item, supply point, quantity);
- the station page with its pick list of --doors doors (``GET /supplies/stations/<pk>/``), target
  under 200 ms; floor: the bare read of the same requests with household and building;
- the number of SQL queries of each at two sizes, which must be equal.
Exit code 0 when the targets hold, 1 otherwise. Not part of the test suite.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KINDS = ["groceries", "medicine", "gas", "card_topup", "baby", "sanitary", "group_buy", "other"]
ITEMS = ["蔬菜包", "大米 10斤", "鸡蛋 30枚", "降压药", "液化气 15kg", "电卡充值 100元", "奶粉", "卫生巾"]


def setup_django(data_dir: str) -> None:
    os.environ["FANGKONG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS.append("testserver")
    call_command("migrate", verbosity=0)


def build(code: str, households: int, per_household: int, rooms_per_building: int = 50):
    """A community, a command post user, households and open requests; bulk inserts only."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from fangkong.core.models import Building, Community, Grid, Household, Role, RoleAssignment
    from fangkong.supplies.models import Request, SupplyPoint

    community = Community.objects.create(name=f"社区{code}", code=code)
    grid = Grid.objects.create(community=community, number=1, name="第一网格")
    n_buildings = -(-households // rooms_per_building)
    Building.objects.bulk_create([
        Building(community=community, grid=grid, door_number=str(b * 7 % 997 + b * 1000), floors=10).fill_derived()
        for b in range(n_buildings)])
    buildings = list(Building.objects.filter(community=community).order_by("pk"))
    Household.objects.bulk_create([
        Household(community=community, building=buildings[h // rooms_per_building],
                  room=f"{(h % rooms_per_building) // 5 + 1}{h % 5 + 1:02d}", floor=(h % rooms_per_building) // 5 + 1)
        .fill_derived() for h in range(households)], batch_size=2000)
    points = [SupplyPoint.objects.create(community=community, name=name) for name in ("超市", "药房", "燃气")]
    user = User.objects.create_user(f"command-{code}")
    RoleAssignment.objects.create(user=user, role=Role.COMMAND_POST, community=community)
    now = timezone.now()
    rows = []
    for index, household_id in enumerate(Household.objects.filter(community=community).order_by("pk")
                                         .values_list("pk", flat=True)):
        for k in range(per_household):
            n = (index + k) % len(KINDS)
            rows.append(Request(community=community, household_id=household_id, kind=KINDS[n], item=ITEMS[n],
                                quantity=1 + k, supply_point=points[n % 3], asked_by=user, asked_at=now))
    Request.objects.bulk_create(rows, batch_size=2000)
    return community, user, buildings


def timed(function, repeat: int) -> tuple[float, int]:
    """Median seconds of ``function`` run in a transaction that is rolled back, and its queries."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(repeat):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                function()
                times.append(time.perf_counter() - start)
            queries = len(captured)
            transaction.set_rollback(True)
    return statistics.median(times), queries


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--per-household", type=int, default=4)
    parser.add_argument("--doors", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        from django.db.models import Min
        from django.test import Client

        from fangkong.supplies import services
        from fangkong.supplies.models import Request, Status

        print(f"building {args.households} households with {args.households * args.per_household} open requests…")
        big, big_user, big_buildings = build("big", args.households, args.per_household)
        small, small_user, small_buildings = build("small", args.households // 10, args.per_household)

        def floor_read(community):
            return lambda: list(Request.objects.filter(community=community, status=Status.ASKED).values_list(
                "household__building_id", "kind", "item", "supply_point_id", "quantity"))

        cut, cut_queries = timed(lambda: services.run_cutoff(big_user, big), args.repeat)
        floor, _ = timed(floor_read(big), args.repeat)
        _, small_queries = timed(lambda: services.run_cutoff(small_user, small), 2)  # the 2nd: reaches cached
        print(f"cut-off over {Request.objects.filter(community=big).count()} requests: {cut * 1000:.0f} ms "
              f"(target < 1000 ms); floor (bare read of the rows) {floor * 1000:.0f} ms; ratio {cut / floor:.1f}×")
        print(f"cut-off queries: {small_queries} at {args.households // 10} households, {cut_queries} at "
              f"{args.households}")

        # The pick list: a station over enough buildings for --doors doors, the requests ordered.
        services.run_cutoff(big_user, big)
        services.run_cutoff(small_user, small)
        n_buildings = -(-args.doors // 50)
        station = services.create_station(big_user, big, "一号中转站", big_buildings[:n_buildings])
        small_station = services.create_station(small_user, small, "一号中转站", small_buildings[:1])
        # One request per door on the list, so that the page shows --doors doors.
        Request.objects.filter(community=big).exclude(
            household__building__in=big_buildings[:n_buildings]).update(status=Status.CANCELLED)
        first_ids = [row["first"] for row in Request.objects.filter(community=big, status=Status.ORDERED)
                     .values("household_id").annotate(first=Min("pk")).order_by()]
        Request.objects.filter(community=big, status=Status.ORDERED).exclude(pk__in=first_ids) \
            .update(status=Status.CANCELLED)
        client = Client()
        client.force_login(big_user)
        small_client = Client()
        small_client.force_login(small_user)
        url = f"/supplies/stations/{station.pk}/"
        assert client.get(url).status_code == 200

        def page():
            response = client.get(url)
            assert response.status_code == 200

        def page_floor():
            list(Request.objects.filter(community=big, status__in=(Status.ORDERED, Status.OUT),
                                        household__building__in=big_buildings[:n_buildings])
                 .select_related("household__building").values_list(
                     "household__building__door_number", "household__room", "kind", "item", "quantity"))

        n_doors = len(services.station_pick_list(big_user, station))
        render, render_queries = timed(page, args.repeat)
        render_floor, _ = timed(page_floor, args.repeat)
        _, small_render_queries = timed(lambda: small_client.get(f"/supplies/stations/{small_station.pk}/"), 2)
        small_doors = len(services.station_pick_list(small_user, small_station))
        print(f"pick list page of {n_doors} doors: {render * 1000:.0f} ms (target < 200 ms); floor (bare read) "
              f"{render_floor * 1000:.1f} ms; ratio {render / render_floor:.1f}×")
        print(f"pick list queries: {small_render_queries} at {small_doors} doors, {render_queries} at {n_doors}")
        ok = (cut < 1.0 and render < 0.2 and cut_queries == small_queries and render_queries == small_render_queries)
        print("OK" if ok else "TARGET MISSED")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
