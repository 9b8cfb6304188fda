"""fangkong end-measures [--today YYYY-MM-DD]: record the end of measures whose last day is past.

Nobody has to run it for a measure to end (the register computes "active" from the dates); it
writes the transitions (next measure, or cleared) into each key person's history."""

from datetime import date

from django.core.management.base import BaseCommand

from fangkong.health.services import end_measures


class Command(BaseCommand):
    help = "Record the end of measures whose last day is past."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=date.fromisoformat, default=None)

    def handle(self, *args, today=None, **options):
        count = end_measures(today=today)
        self.stdout.write(f"{count} people's measures ended")
