"""The places sheet pages: upload it, see what it would do (a dry run), import it; export it;
download a blank template. The work is in fangkong.registry.ledger.places.

The uploaded file waits between the preview and the import under MEDIA_ROOT/places/, named by a
random token kept in the session, so the user confirms exactly the file they previewed."""

import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core import services
from fangkong.core.actions import NotAllowed, allowed
from fangkong.core.models import Community
from fangkong.lib.sheets import SheetError, xlsx_response

from . import actions as can
from .forms_ledgers import PlacesImportForm, RevealExportForm
from .ledger.places import export_places, import_places, write_places_template

SESSION_KEY = "fangkong_places_upload"


def _communities(user, action):
    communities = Community.objects.filter(pk__in=[c.pk for c in Community.objects.visible_to(user)
                                                   if allowed(user, action, c)])
    if not communities.exists():
        raise PermissionDenied(str(action.message))
    return communities


def _waiting_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "places"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@login_required
@require_http_methods(["GET", "POST"])
def places_import(request):
    communities = _communities(request.user, can.IMPORT_PLACES)
    context = {"can_export": allowed(request.user, can.EXPORT_PLACES)}
    waiting = request.session.get(SESSION_KEY)
    if request.method == "POST" and request.POST.get("confirm") and waiting:
        form = PlacesImportForm(communities=communities)
        path = _waiting_dir() / waiting["token"]
        community = communities.filter(pk=waiting["community"]).first()
        del request.session[SESSION_KEY]
        if community is None or not path.is_file():
            form.add_error(None, _("The previewed file is gone: upload it again."))
        else:
            try:
                result = import_places(request.user, community, path, name=waiting["name"])
            except (SheetError, NotAllowed) as error:
                form.add_error(None, error.message)
            else:
                context["result"] = result
            finally:
                path.unlink(missing_ok=True)
        return render(request, "registry/places_import.html", {**context, "form": form})
    form = PlacesImportForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = Path(upload.name).name[:200]
        token = secrets.token_hex(16) + Path(name).suffix.lower()[:8]
        path = _waiting_dir() / token
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            result = import_places(request.user, form.cleaned_data["community"], path, name=name, dry_run=True)
        except (SheetError, NotAllowed) as error:
            path.unlink(missing_ok=True)
            form.add_error("file", error.message)
        else:
            request.session[SESSION_KEY] = {"token": token, "name": name,
                                            "community": form.cleaned_data["community"].pk}
            context.update(result=result, preview=True, name=name)
    return render(request, "registry/places_import.html", {**context, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def places_export(request):
    """GET downloads the masked sheet (of ?community= or the only one); the form posts a reason
    to see the landlords' phones whole."""
    communities = _communities(request.user, can.EXPORT_PLACES)
    params = request.POST if request.method == "POST" else request.GET
    community = communities.filter(pk=params.get("community")).first() if params.get("community", "").isdigit() \
        else (communities.first() if communities.count() == 1 else None)
    can_reveal = services.can_reveal(request.user)
    reveal = request.method == "POST" and params.get("mode") == "reveal"
    form = RevealExportForm(request.POST if reveal else None)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if community is not None and (params.get("download") or request.method == "POST"):
        if reveal and not can_reveal:
            raise PermissionDenied(_("Your role may not see personal numbers whole."))
        if not reveal or form.is_valid():
            reason = form.cleaned_data["reason"] if reveal else ""
            handle, _count = export_places(request.user, community, reveal_reason=reason)
            return xlsx_response(handle, f"{_('places')}-{stamp}.xlsx")
    return render(request, "registry/places_export.html", {"form": form, "can_reveal": can_reveal,
                                                           "communities": communities, "community": community})


@login_required
def places_template(request):
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    write_places_template(handle)
    handle.seek(0)
    return xlsx_response(handle, _("places-template") + ".xlsx")
