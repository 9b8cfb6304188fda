"""API errors as JSON with a machine code and a message: {"code": "...", "message": "...", "fields": {...}}.

Every refusal comes out this way: 400 invalid (with ``fields``, messages by field name) or a
service's own code, 401 not_authenticated, 403 not_allowed (a service's ``require`` refused: the
role may not take this action here) or permission_denied, 404 not_found, 405 method_not_allowed,
409 stale_edit / duplicate_id_number (with ``existing``) / conflict, 503 database_unavailable
(with Retry-After).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from fangkong.core.actions import NotAllowed
from fangkong.core.errors import DATABASE_DOWN_MESSAGE, DATABASE_RETRY_AFTER, ServiceError, is_database_down

# Service refusals that are about the state of things, not the input.
CONFLICT_CODES = {"stale_edit"}


def first_message(detail) -> str:
    """The first message in a (possibly nested) DRF error detail."""
    if isinstance(detail, dict):
        for value in detail.values():
            return first_message(value)
        return ""
    if isinstance(detail, list | tuple):
        return first_message(detail[0]) if detail else ""
    return str(detail)


def exception_handler(exc, context):
    if is_database_down(exc):
        # 503 with Retry-After: a phone keeps its queued scans and sends them again later.
        return Response({"code": "database_unavailable", "message": DATABASE_DOWN_MESSAGE()},
                        status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(DATABASE_RETRY_AFTER), "Cache-Control": "no-store"})
    if isinstance(exc, ServiceError | IntegrityError):
        set_rollback()  # as DRF does for its own exceptions, should requests run in a transaction
    if isinstance(exc, ServiceError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        body = {"code": exc.code, "message": exc.message, "fields": fields}
        if isinstance(exc, NotAllowed) or exc.code == NotAllowed.code:
            # The service's require() refused (or an older check with the same code): the role
            # may not do this to an object it can see. Outside scope never gets here: it is 404.
            return Response({"code": NotAllowed.code, "message": exc.message}, status=status.HTTP_403_FORBIDDEN)
        existing = getattr(exc, "existing", None)
        if existing is not None:
            # A duplicate (DuplicateIdNumber): which row already has it, for the client to open.
            return Response({**body, "existing": existing.pk}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_409_CONFLICT if exc.code in CONFLICT_CODES else status.HTTP_400_BAD_REQUEST
        return Response(body, status=code)
    if isinstance(exc, IntegrityError):
        # Two clients writing the same thing at the same moment: the database keeps one.
        return Response({"code": "conflict", "message": _("This conflicts with a change made at the same "
                                                          "moment; reload and try again.")},
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = {"code": "invalid", "message": first_message(fields), "fields": fields}
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict) and "detail" in detail:
            code = getattr(detail["detail"], "code", None) or code
            message = str(detail["detail"])
        else:
            message = first_message(detail)
        response.data = {"code": code, "message": message}
    return response
