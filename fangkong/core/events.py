"""How apps learn from each other without importing each other: apps depend on core and lib only.

Two shapes, both owned by core so that neither side names the other:

- **Events** (Django signals defined here): the app where a thing happens sends it; any app that
  cares connects a receiver in its AppConfig.ready(). A receiver runs in the sender's
  transaction, and an exception in it (a NotAllowed) refuses the sender's write too: nothing is
  half written.
- **Questions** one app answers for the others (``answer``/``ask``): the app that owns the data
  registers a function by dotted path; a caller asks and gets ``default`` when no installed app
  answers (the app is not there: its figure or rule simply does not apply).
"""

from django.dispatch import Signal
from django.utils.module_loading import import_string

# health records a seal check: kwargs community_id, household, on (a date), broken (bool).
seal_checked = Signal()

# someone saw a door on a visit (staff's daily five): kwargs actor, household, on, seal_intact
# (True, False or None: not looked at), note. Health records it as the seal's check.
door_seen = Signal()

# who answers for some doors or key persons changed (staff: an assignment made, ended or handed
# over, its worker ill, gone or given an account): kwargs community_id, building_ids, person_ids
# (sets). Whoever keeps a copy of "who is responsible" (health's key-person register) refreshes it.
responsibility_changed = Signal()

# The questions, with what their answers are:
#   "responsible_users": (building_ids, today=None) -> {building_id: user_id}  (who answers for the door)
#   "person_responsible_users": (person_ids, today=None) -> {person_id: user_id}  (assigned to the person)
#   "sealed_household_ids": (day) -> a query of household ids sealed that day
#   "missing_reports": (community, day) -> [(building_id, door_number, people)] under a measure, no report
#   "key_persons": (user, community_ids) -> a Person query of the key persons the user sees
QUESTIONS = ("responsible_users", "person_responsible_users", "sealed_household_ids", "missing_reports",
             "key_persons")

_ANSWERS: dict[str, str] = {}


def answer(question: str, path: str) -> None:
    if question not in QUESTIONS:
        raise ValueError(f"unknown question {question}; known: {', '.join(QUESTIONS)}")
    _ANSWERS[question] = path


def answers(question: str) -> bool:
    return question in _ANSWERS


def ask(question: str, *args, default=None, **kwargs):
    if question not in QUESTIONS:
        raise ValueError(f"unknown question {question}")
    path = _ANSWERS.get(question)
    if path is None:
        return default
    return import_string(path)(*args, **kwargs)
