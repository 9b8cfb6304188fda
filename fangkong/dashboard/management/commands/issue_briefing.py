"""``fangkong issue_briefing`` (or ``issue-briefing``): issue today's briefing of every community
(or of those named by code), for a scheduler at 16:00. Issuing again the same day replaces it."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.models import Community
from fangkong.dashboard.services import issue_briefing


class Command(BaseCommand):
    help = "Issue the day's briefing of each community (the scheduler's 4 p.m. run)."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="community codes (all when none)")
        parser.add_argument("--day", help="YYYY-MM-DD (today when omitted)")

    def handle(self, *args, codes=(), day=None, **options):
        try:
            day = dt.date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"--day: {day!r} is not a date (YYYY-MM-DD)") from None
        communities = Community.objects.all().order_by("pk")
        if codes:
            communities = communities.filter(code__in=codes)
            missing = set(codes) - set(communities.values_list("code", flat=True))
            if missing:
                raise CommandError(f"no community with code {', '.join(sorted(missing))}")
        for community in communities:
            briefing = issue_briefing(None, community, day)
            self.stdout.write(f"{community.code}: briefing of {briefing.day} issued")
