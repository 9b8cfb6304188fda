"""core/events.py: apps ask each other questions through core, and get the default when no
installed app answers."""

import pytest

from fangkong.core import events


def test_a_question_nobody_answers_gives_the_default(monkeypatch):
    monkeypatch.setattr(events, "_ANSWERS", {})
    assert events.ask("responsible_users", [1, 2], default={}) == {}
    assert not events.answers("responsible_users")


def test_the_installed_apps_answer_their_questions():
    # health answers for seals, reports and key persons; staff for who looks after a door.
    for question in events.QUESTIONS:
        assert events.answers(question), question


def test_an_unknown_question_is_refused():
    with pytest.raises(ValueError):
        events.answer("who_knows", "fangkong.core.events.ask")
    with pytest.raises(ValueError):
        events.ask("who_knows")
