"""The demo community has a day of supplies and care: requests and a cut-off, a run delivered door
by door, a group buy with its supplier sheet, donations and stock at a station, meals, medical
trips, care plans with contacts and counselling calls due; and the pages show them."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from fangkong.core import demo
from fangkong.core.models import AuditEntry
from fangkong.supplies import services
from fangkong.supplies.models import (
    Catalogue,
    Counselling,
    Cutoff,
    Donation,
    Handover,
    MealDelivery,
    MedicalTrip,
    Request,
    Status,
    StockItem,
    TripKind,
    TripStatus,
)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("demo", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        demo.delete_demo()
        AuditEntry._base_manager.filter(community=None, object_type="community").delete()


@pytest.fixture
def community(built, db):
    return demo.find_demo()


def test_a_day_of_requests_cutoff_run_and_group_buy(community):
    today = timezone.localdate()
    assert Cutoff.objects.filter(community=community, at__date=today).exists()
    assert Request.objects.filter(community=community, status=Status.ASKED).exists()  # waiting for 18:00
    assert Request.objects.filter(community=community, status=Status.CANCELLED).exclude(cancel_reason="").exists()
    assert Handover.objects.filter(community=community, outcome="delivered").count() > 3
    assert Handover.objects.filter(community=community, outcome="nobody_home").count() == 1
    catalogue = Catalogue.objects.get(community=community)
    assert sum(row["ordered"] for row in services.order_totals(catalogue)) > 12


def test_donations_stock_at_a_station_meals_trips_and_counselling(community):
    today = timezone.localdate()
    assert Donation.objects.filter(community=community).count() == 2
    at_station = StockItem.objects.get(community=community, station__name="东门中转站", name="大米")
    assert at_station.quantity == 600
    assert services.low_stock(community)  # masks below their alert level
    assert MealDelivery.objects.filter(community=community, on=today).exists()
    trips = MedicalTrip.objects.filter(community=community, on=today)
    assert trips.filter(kind=TripKind.AMBULANCE, status=TripStatus.DONE).exists()
    assert trips.filter(kind=TripKind.MEDICINE, status=TripStatus.PLANNED).exists()
    command = get_user_model().objects.get(username="command")
    due = list(services.counselling_due(command, community, today))
    assert len(due) >= 1 and Counselling.objects.filter(community=community).count() > len(due)
    assert services.care_due(command, community, today).exists()


def test_the_pages_show_the_day(community, client):
    client.force_login(get_user_model().objects.get(username="command"))
    for path, text in [("/supplies/", "东门中转站"), ("/supplies/care/", 'id="calls-due"'),
                       ("/supplies/trips/", "血液透析"), ("/supplies/meals/", "不放调料"),
                       ("/supplies/stock/", "东门中转站"), ("/supplies/donations/", "某爱心企业")]:
        response = client.get(path)
        assert response.status_code == 200 and text in response.content.decode(), path
    client.force_login(get_user_model().objects.get(username="volunteer"))
    assert 'id="my-counselling"' in client.get("/supplies/care/").content.decode()
