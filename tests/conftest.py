import pytest
from django.db.backends.signals import connection_created

from tests.factories import make_world


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # argon2 is deliberately slow; tests that check hashing ask for it themselves.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache remembers once-a-day work (health.services.catch_up): each test starts on a new day.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _inline_tasks(settings):
    # Background work runs in the test's own thread and transaction unless a test asks otherwise.
    settings.FANGKONG_TASK_MODE = "inline"


def _unsynced_sqlite(sender, connection, **kwargs):
    # The test database is a file (a Celery worker in another process must open it); tests do
    # not need it to survive a power cut, so skip the fsyncs that would triple the suite's time.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")


connection_created.connect(_unsynced_sqlite)
