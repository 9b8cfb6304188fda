"""A district viewer's roll-up over many communities (fangkong.dashboard: the sum and each
community side by side).

    .venv/bin/python benchmarks/dashboard_district.py [--communities 100] [--persons 3000]
                                                      [--buildings 1000] [--repeat 5]

Builds, in a temporary SQLite database, --communities communities with the data of
benchmarks/dashboard_figures.py (build(): --persons persons in --buildings buildings, 30 to a
grid, key persons, measures, reports, seals, a screening and a testing round, tasks) and a
district viewer of them all. The default size of each community is a tenth of the issue's (3,000
persons) so that the build takes minutes, not an hour; the roll-up's read does not depend on it
(it reads one FiguresCache row per community), the counting grows with it in proportion
(benchmarks/dashboard_figures.py times one community of 30,000).

Times, against a floor measured in the same run (a bare COUNT(*) of the same 10 tables over all
the communities):
- counting every community from the tables (figures.compute over all at once): the background
  refresh's work, once;
- the roll-up as the district page reads it (services.viewable_figures: FiguresCache, the
  communities' sums, no grids), median of --repeat;
- the whole district page (GET /dashboard/ through the test client, templates included).
Prints the number of queries of the read for a tenth of the communities and for all, which must
be the same (exit 1 otherwise). The issue's target (2 s) is printed beside it.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
TARGET_MS = 2000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communities", type=int, default=100)
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--buildings", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["FANGKONG_ALLOWED_HOSTS"] = "testserver"
    from dashboard_figures import build, median_ms, setup_django

    setup_django(tempfile.mkdtemp(prefix="fangkong-bench-"))
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fangkong.core.models import Household, Person, Role, RoleAssignment
    from fangkong.dashboard.figures import compute
    from fangkong.dashboard.services import viewable_figures
    from fangkong.health.models import HealthReport, KeyPerson, Measure, Seal, SealCheck
    from fangkong.registry.models import Visit
    from fangkong.staff.models import Task
    from fangkong.testing.models import Sample

    started = time.perf_counter()
    communities = []
    for n in range(args.communities):
        community, _user, today, _records = build(f"d{n:03d}", args.persons, args.buildings)
        communities.append(community)
    viewer, few = User.objects.create_user("district", password="x"), User.objects.create_user("few", password="x")
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=viewer, role=Role.DISTRICT_VIEWER, community=c) for c in communities]
        + [RoleAssignment(user=few, role=Role.DISTRICT_VIEWER, community=c)
           for c in communities[:max(args.communities // 10, 2)]])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    today = timezone.localdate()
    cids = [c.pk for c in communities]
    print(f"built in {time.perf_counter() - started:.0f} s: {args.communities} communities of {args.persons} "
          f"persons and {args.buildings} buildings")

    def floor():
        for model in (Person, Household, KeyPerson, Measure, HealthReport, Seal, SealCheck, Visit, Sample, Task):
            model.objects.filter(community_id__in=cids).count()

    floor_ms = median_ms(floor, args.repeat)
    start = time.perf_counter()
    compute(today, cids)
    counting_ms = (time.perf_counter() - start) * 1000
    queries = {}
    for label, who in (("a tenth", few), ("all", viewer)):
        viewable_figures(who, today)
        with CaptureQueriesContext(connection) as captured:
            figures = viewable_figures(who, today)
        queries[label] = len(captured.captured_queries)
    assert len(figures.communities) == args.communities
    read_ms = median_ms(lambda: viewable_figures(viewer, today), args.repeat)
    client = Client()
    client.force_login(viewer)

    def page():
        response = client.get("/dashboard/")
        assert response.status_code == 200, response.status_code

    page_ms = median_ms(page, args.repeat)
    print(f"floor (bare COUNT of the same 10 tables, {args.communities} communities): {floor_ms:8.1f} ms")
    print(f"counting every community (the background refresh, once): {counting_ms:8.1f} ms  "
          f"ratio {counting_ms / floor_ms:5.1f}x")
    for name, ms in (("the roll-up's read (FiguresCache)", read_ms), ("the district page (GET /dashboard/)", page_ms)):
        print(f"{name:55}: {ms:8.1f} ms  ratio {ms / floor_ms:5.1f}x  target {TARGET_MS:.0f} ms "
              f"({'met' if ms <= TARGET_MS else 'NOT met'})")
    print(f"queries of the read: a tenth of the communities {queries['a tenth']}, all {queries['all']}")
    if queries["a tenth"] != queries["all"]:
        print("FAIL: the number of queries grows with the communities")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
