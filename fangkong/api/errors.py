"""API errors as JSON with a machine code and a message: {"code": "...", "message": "...", "fields": {...}}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from fangkong.core.services import DuplicateIdNumber, ServiceError


def exception_handler(exc, context):
    if isinstance(exc, DuplicateIdNumber):
        return Response({"code": exc.code, "message": exc.message, "fields": {"id_number": [exc.message]},
                         "existing": exc.existing.pk}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ServiceError):
        code = status.HTTP_409_CONFLICT if exc.code == "stale_edit" else status.HTTP_400_BAD_REQUEST
        fields = {exc.field: [exc.message]} if exc.field else {}
        return Response({"code": exc.code, "message": exc.message, "fields": fields}, status=code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        first = next(iter(fields.values()), [""])
        message = first[0] if isinstance(first, list) and first else str(first)
        response.data = {"code": "invalid", "message": str(message), "fields": fields}
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict) and "detail" in detail:
            code = getattr(detail["detail"], "code", code)
            message = str(detail["detail"])
        else:
            message = str(detail)
        response.data = {"code": code, "message": message}
    return response
