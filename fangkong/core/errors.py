"""The refusal every service raises: a machine code for the API and tests, a message for people."""


class ServiceError(Exception):
    """A refusal with a machine code (for the API and tests) and a message for the user."""

    code = "invalid"

    def __init__(self, message: str, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


# A database that does not answer (restarting, the disk full, the network to it down): every
# request fails the same way until it is back. Seconds a client should wait before trying again.
DATABASE_RETRY_AFTER = 30


def DATABASE_DOWN_MESSAGE():  # noqa: N802 - a message, translated when asked
    from django.utils.translation import gettext as _

    return _("The database is not answering. Nothing was lost; try again in a minute.")


def is_database_down(exception) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, OperationalError | InterfaceError)
