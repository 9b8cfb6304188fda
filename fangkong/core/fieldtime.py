"""When a field write happened: the phone's clock, within reason.

A tap or a scan queued on a phone while offline arrives late and carries the time it was made on
the phone. That time is believed for up to a day back (a shift's queue sent the next morning) and
a few minutes ahead (phone clocks run fast); a time outside that window, or none, is the
server's time of arrival. One rule for every field write (screening taps, swab scans, and the
deliveries and checkpoint passes to come).
"""

from datetime import timedelta

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
        at = parse_datetime(at.strip())
        if at is None:
            return now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + CLOCK_SKEW or at < now - TRUSTED_FOR:
        return now
    return min(at, now)
