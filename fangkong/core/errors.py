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
