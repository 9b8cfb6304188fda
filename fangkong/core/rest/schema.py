"""OpenAPI: every operation lists the error answers it can give, all in the one error format."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse

ERRORS = {
    "400": "Invalid input: `fields` gives the messages by field name.",
    "401": "No credentials (code not_authenticated) or bad ones (authentication_failed).",
    "403": "Your role may not do this here (code not_allowed, or permission_denied).",
    "404": "Not found, or outside your scope (code not_found): the API never says which.",
    "409": "Conflict: stale_edit (someone saved first; reload), duplicate_id_number (with `existing`), "
           "or conflict.",
}


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        from .serializers import ErrorSerializer

        codes = ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        if "{" in self.path:
            codes.append("404")
        if getattr(self.view, "action", None) in getattr(self.view, "conflicts", ()):
            codes.append("409")
        for code in sorted(codes):
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERRORS[code]), code, direction=direction)
        return responses
