"""When a field write happened: the phone's clock, within reason.

A tap or a scan queued on a phone while offline arrives late and carries the time it was made on
the phone. That time is believed for up to a day back (a shift's queue sent the next morning) and
a few minutes ahead (phone clocks run fast); a time outside that window, or none, is the
server's time of arrival. One rule for every field write (screening taps, swab scans, and the
deliveries and checkpoint passes to come).
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

TRUSTED_FOR = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=5)


def trusted_time(at, now):
    """The phone's time ``at`` (a datetime or an ISO 8601 string) when believable, never later
    than ``now``; ``now`` otherwise."""
    if at is None:
        return now
    if isinstance(at, str):
        try:
            at = parse_datetime(at.strip())
        except ValueError:  # well formed but impossible: 2026-02-30T10:00
            at = None
        if at is None:
            return now
    if not isinstance(at, datetime):  # a number, a list: not a time
        return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + CLOCK_SKEW or at < now - TRUSTED_FOR:
        return now
    return min(at, now)


def field_day(at, now=None):
    """The day a field write belongs to: the day of its trusted phone time, in the site's time
    zone. A temperature sheet filled at 23:58 and sent at 00:05 is the day before's sheet."""
    return timezone.localdate(trusted_time(at, now or timezone.now()))


def posted_time(request, now=None):
    """The phone's time the outbox put in a write (``at``, form or JSON), trusted as above."""
    at = request.POST.get("at") if request.method == "POST" else None
    return trusted_time(at, now or timezone.now())
