"""The person's own code on their own phone: a link with the signed code in it, no account; the
name masked; a revoked or altered code shows nothing to scan."""

from fangkong.lib.masking import mask_name
from fangkong.testing import codes


def link_of(person):
    return f"/testing/c/?code={codes.token(codes.code_for(person))}"


def test_the_link_opens_the_code_without_an_account(world, client):
    response = client.get(link_of(world.person_a))
    body = response.content.decode()
    assert response.status_code == 200 and 'id="person-qr"' in body
    assert "张*" in body and "564-101" in body
    assert "张三" not in body and world.person_a.id_number not in body and world.person_a.phone not in body
    assert response["Cache-Control"] == "private, no-store"


def test_a_revoked_code_says_so_and_shows_no_qr(world, client):
    old = link_of(world.person_a)
    codes.revoke(world.person_a)
    response = client.get(old)
    assert response.status_code == 410 and 'id="person-qr"' not in response.content.decode()
    assert client.get(link_of(world.person_a)).status_code == 200  # the new link works


def test_an_altered_or_made_up_code_is_not_found(world, client):
    token = codes.token(codes.code_for(world.person_a))
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/testing/c/?code={altered}").status_code == 404
    assert client.get("/testing/c/?code=FKP.AAAAAAAAAAAAAAAA.1.AAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/testing/c/").status_code == 404


def test_staff_see_the_link_to_send(world, login):
    body = login(world.users["building_leader"]).get(f"/testing/code/?person={world.person_a.pk}").content.decode()
    assert 'id="my-code-link"' in body and link_of(world.person_a) in body


def test_names_are_masked_after_their_first_character():
    assert [mask_name(n) for n in ("张三丰", "李四", "王", "")] == ["张**", "李*", "王*", ""]
