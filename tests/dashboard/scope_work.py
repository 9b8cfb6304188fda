"""Briefings in both communities, for tests/test_scope_matrix.py."""

from fangkong.dashboard.services import issue_briefing


def add_work(world):
    issue_briefing(world.users["command_post"], world.community)
    issue_briefing(world.users["outsider"], world.other_community)
