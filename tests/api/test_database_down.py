"""The database down: the API and the field's fetches answer JSON 503 with Retry-After, so a
phone keeps its queued writes and sends them again; never Django's HTML 500 (issue 10 §4). The
real server cannot be stopped in a test: the cursor is made to fail as a dropped connection does."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper


def database_down(error=OperationalError):
    def fail(*args, **kwargs):
        raise error("server closed the connection unexpectedly")
    return mock.patch.multiple(CursorWrapper, execute=fail, executemany=fail)


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_api_answers_json_503_with_retry_after(as_user, world, error):
    client = as_user("grid_worker")
    client.raise_request_exception = False
    with database_down(error):
        response = client.get("/api/persons/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "database_unavailable"


def test_a_field_fetch_gets_json_503_and_a_page_the_503_error_page(as_user, world):
    client = as_user("building_leader")
    client.raise_request_exception = False
    with database_down():
        fetch = client.get("/people/", HTTP_X_FANGKONG_OUTBOX="1")
        page = client.get("/people/")
    assert (fetch.status_code, fetch["Retry-After"], fetch.json()["code"]) == (503, "30", "database_unavailable")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "text/html" in page["Content-Type"]
