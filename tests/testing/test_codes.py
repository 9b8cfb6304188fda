from fangkong.testing import codes


def test_a_code_carries_no_personal_data(world, code_of):
    text = code_of(world.person_a)
    person = world.person_a
    key = text.split(".")[1]
    for value in (person.name, person.id_number, person.phone, person.id_number[-4:]):
        assert value not in text
    assert key != str(person.pk) and not key.isdigit()
    assert text.startswith("FKP.")


def test_a_code_is_in_the_qr_alphanumeric_set(world, code_of):
    allowed = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert set(code_of(world.person_a)) <= allowed


def test_a_valid_code_parses_to_its_key_and_version(world, code_of):
    parsed = codes.parse(code_of(world.person_a))
    assert parsed.key == world.person_a.test_code.key and parsed.version == 1


def test_an_altered_code_is_refused(world, code_of):
    text = code_of(world.person_a)
    prefix, key, version, mac = text.split(".")
    other_key = ("A" if key[0] != "A" else "B") + key[1:]
    assert codes.parse(f"{prefix}.{other_key}.{version}.{mac}") is None
    assert codes.parse(f"{prefix}.{key}.{int(version) + 1}.{mac}") is None
    assert codes.parse(text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    assert codes.parse("hello") is None


def test_revoking_raises_the_version_and_gives_a_new_code(world, code_of):
    before = code_of(world.person_a)
    codes.revoke(world.person_a)
    world.person_a.refresh_from_db()
    after = code_of(world.person_a)
    assert before != after
    assert codes.parse(after).version == 2


def test_codes_for_many_persons_are_made_in_one_go(world, django_assert_max_num_queries):
    persons = [world.person_a, world.person_b, world.person_c]
    with django_assert_max_num_queries(3):
        made = codes.codes_for(persons)
    assert set(made) == {p.pk for p in persons}
    assert codes.codes_for(persons)[world.person_a.pk].key == made[world.person_a.pk].key


def test_the_signature_is_django_salted_hmac_so_printed_codes_stay_valid(settings):
    from django.utils.crypto import salted_hmac

    from fangkong.testing.codes import MAC_CHARS, SALT, _b32, _mac

    for key, version in [("ABCDEFGHIJKLMNOP", 1), ("Q2R3S4T5U6V7W8X9", 12)]:
        expected = _b32(salted_hmac(SALT, f"{key}.{version}", algorithm="sha256").digest())[:MAC_CHARS]
        assert _mac(key, version) == expected
    settings.SECRET_KEY = "another secret key for this test only, long enough to be a real one"
    assert _mac("ABCDEFGHIJKLMNOP", 1) == _b32(salted_hmac(SALT, "ABCDEFGHIJKLMNOP.1",
                                                           algorithm="sha256").digest())[:MAC_CHARS]
