import pytest


@pytest.fixture
def as_user(client, world):
    """as_user("grid_worker") -> the test client, logged in as that user of the world."""

    def _as(key):
        client.force_login(world.users[key])
        return client

    return _as
