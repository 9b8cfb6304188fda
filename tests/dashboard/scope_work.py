"""Briefings and briefing jobs in both communities, for tests/test_scope_matrix.py."""

from fangkong.dashboard.models import BriefingJob
from fangkong.dashboard.services import issue_briefing


def add_work(world):
    for community, user in ((world.community, world.users["command_post"]),
                            (world.other_community, world.users["outsider"])):
        briefing = issue_briefing(user, community)
        BriefingJob.objects.create(community=community, day=briefing.day, asked_by=user, status="done",
                                   briefing=briefing)
