import itertools

import pytest

from fangkong.testing import codes, services

_ids = itertools.count(1)


@pytest.fixture
def command(world):
    return world.users["command_post"]


@pytest.fixture
def sampler(world):
    return world.users["sampler"]


@pytest.fixture
def test_round(world, command):
    return services.create_round(command, world.community, name="第一轮全员核酸", pool_size=10,
                                 sampling_points="3号楼下\n广场")


@pytest.fixture
def code_of():
    """code_of(person) -> the person's current code text."""
    return lambda person: codes.token(codes.code_for(person))


@pytest.fixture
def cid():
    """A fresh client id each call."""
    return lambda: f"c-{next(_ids)}"
