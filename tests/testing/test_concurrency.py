"""Many phones sending the same scans at once leave one sample per person.

On PostgreSQL (DATABASE_URL=postgres://...) the scans really run at once, in threads with their
own connections. SQLite takes one writer at a time, so there the same scans run one after another."""

import threading

import pytest
from django.db import connection, connections

from fangkong.testing import codes, scanning, services
from fangkong.testing.models import Sample, Tube
from tests.factories import make_world


def _send(round_, scans, user, answers):
    try:
        for tube, code, client_id in scans:
            try:
                answers.append(scanning.scan(round_, tube, code, client_id, user).code)
            except services.ScanRefused as refused:
                answers.append(refused.code)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_many_clients_sending_the_same_scans_leave_one_sample_each():
    world = make_world()
    user = world.users["sampler"]
    round_ = services.create_round(world.users["command_post"], world.community, name="并发", pool_size=10)
    people = [world.person_a, world.person_b, world.person_c]
    texts = [codes.token(codes.code_for(p)) for p in people]
    # Eight phones: four resend the same client ids, four scan the same people with their own ids.
    batches = [[("T1", text, f"same-{i}") for i, text in enumerate(texts)] for _ in range(4)]
    batches += [[("T1", text, f"own-{n}-{i}") for i, text in enumerate(texts)] for n in range(4)]
    answers: list = []
    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=_send, args=(round_, batch, user, answers)) for batch in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    else:
        for batch in batches:
            for tube, code, client_id in batch:
                try:
                    answers.append(scanning.scan(round_, tube, code, client_id, user).code)
                except services.ScanRefused as refused:
                    answers.append(refused.code)
    assert Sample.objects.filter(round=round_).count() == 3
    assert sorted(Sample.objects.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert Tube.objects.get(code="T1").n == 3
    assert set(answers) <= {"accepted", "already_sampled"} and len(answers) == 24
