"""``fangkong refresh_figures`` (or ``refresh-figures``): count today's figures of every community
(or of those named by code) into FiguresCache, for a scheduler every few minutes: the district's
roll-up then reads them without waiting (figures.compute, all the communities at once)."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.models import Community
from fangkong.dashboard.figures import compute


class Command(BaseCommand):
    help = "Count the day's figures of each community into the dashboard's cache."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="community codes (all when none)")
        parser.add_argument("--day", help="YYYY-MM-DD (today when omitted)")

    def handle(self, *args, codes=(), day=None, **options):
        from django.utils import timezone

        try:
            day = dt.date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"--day: {day!r} is not a date (YYYY-MM-DD)") from None
        communities = Community.objects.all()
        if codes:
            communities = communities.filter(code__in=codes)
            missing = set(codes) - set(communities.values_list("code", flat=True))
            if missing:
                raise CommandError(f"no community with code {', '.join(sorted(missing))}")
        started = time.perf_counter()
        done = compute(day, list(communities.values_list("pk", flat=True)))
        self.stdout.write(f"figures of {day} counted for {len(done)} communities "
                          f"in {(time.perf_counter() - started) * 1000:.0f} ms")
