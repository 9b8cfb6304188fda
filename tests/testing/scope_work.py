"""Objects of the testing app in both communities, for tests/test_scope_matrix.py."""

from fangkong.testing import services
from fangkong.testing.models import TestRound


def add_work(world):
    for community in (world.community, world.other_community):
        round_ = TestRound.objects.create(community=community, name="第一轮全员核酸", pool_size=10)
        services.refresh_reach(round_)
