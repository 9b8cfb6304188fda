"""Pieces every app's API serializers share: references to places in the user's write scope,
masked fields, the version of optimistic locking, and the one error format (for the schema).

Personal data goes out masked (110105********002X, 138****5678), always; the whole value is only
given by an endpoint that writes the audit log (``POST /api/persons/{id}/reveal/``).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fangkong.core.scope import can_write


def request_user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference (by id) to a place the user may *change* (``write=False``: one they can *see*,
    where the service decides whether they may act on it: a delivery volunteer enters requests
    for a building without writing the building). Anything else, whether it does not exist or
    lies outside that scope, is refused with the same message, so that nobody learns by probing
    which ids exist elsewhere."""

    default_error_messages = {
        "does_not_exist": _("Not found, or outside the places you may change (id {pk_value})."),
        "incorrect_type": _("Give the id (a number), not {data_type}."),
    }

    def __init__(self, model, write: bool = True, **kwargs):
        self.model = model
        self.write = write
        # The empty queryset only tells the schema generator which model this is.
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)
        if not write:
            self.error_messages["does_not_exist"] = _("Not found, or outside the places you can see (id {pk_value}).")

    def get_queryset(self):
        return self.model.objects.visible_to(request_user(self), write=self.write)


class MaskedCharField(serializers.CharField):
    """Written whole, read masked."""

    def __init__(self, mask, **kwargs):
        self.mask = mask
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.mask(str(value)) if value else ""


def ensure_writable(user, obj, field: str):
    """The last guard of every create: the new object must lie in the user's write scope (a
    building leader may not add a building he would not see). Raised inside the transaction of
    the create, it undoes it, audit entry included."""
    if not can_write(user, obj):
        raise serializers.ValidationError({field: [_("You may not add this here: it would lie outside the "
                                                     "places you may change.")]})


def django_errors(exc: DjangoValidationError) -> list[str]:
    return list(exc.messages)


def refuse_change(attrs, instance, names, message):
    for name in names:
        if name in attrs and attrs[name] != getattr(instance, name):
            raise serializers.ValidationError({name: [message]})


VERSION_HELP = _("The version you last read. Required to change: if someone else saved meanwhile, "
                 "the change is refused with 409 stale_edit.")


def require_version(serializer, attrs):
    if serializer.instance is not None and attrs.get("version") is None:
        raise serializers.ValidationError({"version": [_("Send the version you last read.")]})


# --- errors (for the schema) ------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Machine code, e.g. invalid, not_found, not_allowed, permission_denied, "
                                             "not_authenticated, stale_edit, duplicate_id_number."))
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text=_("Messages by field name."))
    existing = serializers.IntegerField(required=False,
                                        help_text=_("With duplicate_id_number: the id of the person who "
                                                    "already has the number."))

