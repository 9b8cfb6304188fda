from django.conf import settings
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise: the language switch's cookie decides, never the
    browser's Accept-Language (command-post PCs often run an English system)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def wants_json(request) -> bool:
    """A write sent by the field outbox (or any fetch that asks for JSON), not a page the browser
    navigates to: it must be told "signed out" as a 401 it can recognise, never handed the login
    page (which a queue would take for an answer and drop the write)."""
    headers = request.headers
    return (headers.get("X-Fangkong-Outbox") == "1" or headers.get("X-Requested-With") == "XMLHttpRequest"
            or headers.get("Accept", "").startswith("application/json"))


class SignedOutAsJsonMiddleware:
    """Turns ``login_required``'s redirect to the login page into ``401 {"code": "not_authenticated"}``
    for fetches that want JSON. Pages opened in the browser still go to the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (301, 302) and wants_json(request):
            from django.http import JsonResponse
            from django.shortcuts import resolve_url
            from django.utils.translation import gettext as _

            login = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").split("?")[0].endswith(login):
                return JsonResponse({"ok": False, "code": "not_authenticated",
                                     "message": _("Your sign-in has ended. Sign in again; nothing is lost.")},
                                    status=401)
        return response


class MadeByMiddleware:
    """A shared phone: a write queued by one user (the outbox's header ``X-Fangkong-Made-By``, their
    id) and sent while another is signed in is refused with ``409 {"code": "other_user"}``, which
    the outbox keeps for its maker. The write is never recorded as the signed-in user's; nor is
    it recorded as its maker's on someone else's session (a header anyone can write is no proof
    of who made it, and the maker's rights may differ). Signed out: the usual 401 decides."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        made_by = request.headers.get("X-Fangkong-Made-By", "").strip()
        user = getattr(request, "user", None)
        if (made_by and request.method == "POST" and user is not None and user.is_authenticated
                and made_by != str(user.pk)):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            return JsonResponse({"ok": False, "code": "other_user", "message": _(
                "This was written on this phone by another user: it waits for them to sign in.")}, status=409)
        return self.get_response(request)


class NotAllowedMiddleware:
    """A page whose service refused the user's role answers the site's 403, with the action's
    message: the views call the services and do not repeat their checks. A fetch from the field
    outbox gets the refusal as JSON with its machine code, a definite answer the phone lists for
    the user instead of sending it again. (The API turns NotAllowed into its own JSON 403 in
    ``fangkong.core.rest.errors``.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.core.handlers.exception import response_for_exception
        from django.http import JsonResponse

        from .actions import NotAllowed

        if not isinstance(exception, NotAllowed):
            return None
        if wants_json(request):
            return JsonResponse({"ok": False, "code": exception.code, "message": exception.message}, status=403)
        return response_for_exception(request, PermissionDenied(exception.message))


from .errors import DATABASE_DOWN_MESSAGE, DATABASE_RETRY_AFTER, is_database_down  # noqa: E402, F401


def database_unavailable(request):
    """503 with Retry-After: JSON for the API and for fetches that want it (the phone's outbox keeps
    its queued writes and tries again; a 500 it would list as failed), the error page otherwise."""
    from django.http import HttpResponse, JsonResponse
    from django.template import loader
    message = DATABASE_DOWN_MESSAGE()
    if request.path.startswith("/api/") or wants_json(request):
        response = JsonResponse({"ok": False, "code": "database_unavailable", "message": message}, status=503)
    else:
        response = HttpResponse(loader.get_template("500.html").render({}), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A page or fetch whose view found the database down answers 503 with Retry-After (the API
    does the same in ``fangkong.core.rest.errors``; failures before any view, in a middleware reading
    the session, are answered by ``core.views.error_500``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_down(exception):
            return None
        import logging

        logging.getLogger("fangkong.database").error("database unavailable: %s", exception)
        return database_unavailable(request)
