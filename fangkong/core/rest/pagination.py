"""Pages of a list: ``?limit=`` and ``?offset=``, read strictly.

DRF's LimitOffsetPagination passes any whole number on to the database; a limit or offset beyond
bigint fails there (a 500 on PostgreSQL), and a garbled one is silently replaced. Here both are
checked first: not a whole number, negative, or beyond the bounds answers 400 with the JSON error
body, saying which parameter and why."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 1000
MAX_ID = 2**63 - 1  # PostgreSQL bigint, as fangkong.core.filtersets.MAX_ID


class StrictLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def _read(self, request, name, maximum):
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return None
        try:
            value = int(raw)
        except ValueError:
            raise exceptions.ValidationError({name: [_("Enter a whole number.")]}) from None
        if value < 0 or value > maximum:
            raise exceptions.ValidationError(
                {name: [_("Enter a whole number from 0 to %(maximum)s.") % {"maximum": maximum}]})
        return value

    def get_limit(self, request):
        value = self._read(request, self.limit_query_param, self.max_limit)
        return self.default_limit if value in (None, 0) else value

    def get_offset(self, request):
        return self._read(request, self.offset_query_param, MAX_ID) or 0
