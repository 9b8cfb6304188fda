"""Ledger pages: upload a ledger, check the preview, follow the import, download the error report;
export people to .xlsx; download a blank template. The work is in fangkong.registry.ledger."""

import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core import services
from fangkong.core.actions import allowed
from fangkong.core.filtersets import PERSON_PARAMS
from fangkong.core.models import AuditAction, Building, CareTag, Community, Grid, Household, Residency
from fangkong.core.pages import may
from fangkong.core.scope import get_visible_or_404
from fangkong.lib.masking import mask_id, mask_phone
from fangkong.lib.tasks import enqueue

from . import actions as can
from .forms_ledgers import ImportForm, RevealExportForm
from .ledger import columns
from .ledger.exporter import ExportRefused, ExportScope, export_people, write_template
from .ledger.jobs import is_stalled, progress
from .ledger.reader import LedgerError, open_ledger
from .ledger.report import masked_copy
from .models import ImportJob, ImportStatus
from .tasks import import_ledger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 8
# The person filter's parameters (core.filtersets.PERSON_PARAMS), so a list links to its export.
EXPORT_PARAMS = {"download", *PERSON_PARAMS}


def _require_some(user, action):
    """Refuse the page to a user who may take the action in no community (the service checks
    the community acted on)."""
    if not allowed(user, action):
        raise PermissionDenied(str(action.message))


def jobs_for(user):
    """Import jobs a user may open, through scope: the command post sees its community's jobs,
    everyone else the jobs they started (ImportJob.scope_paths has an owner)."""
    return ImportJob.objects.visible_to(user)


def _job(user, pk) -> ImportJob:
    return get_visible_or_404(ImportJob.objects.select_related("community", "created_by"), user, pk=pk)


def _preview(ledger) -> dict:
    """The mapping found and the first rows, masked: the preview page must not show ID
    numbers whole any more than the person list does."""
    order = sorted(ledger.mapping.items(), key=lambda item: item[1])
    rows = []
    for number, cells in ledger.rows():
        shown = []
        for name, index in order:
            text = columns.cell_text(cells[index] if index < len(cells) else None)
            if name == "id_number":
                text = mask_id(text)
            elif name in ("phone", "landlord_phone"):
                text = mask_phone(text)
            shown.append(text)
        rows.append([number, *shown])
        if len(rows) >= PREVIEW_ROWS:
            break
    return {
        "header_row": ledger.header_row, "sheet": ledger.sheet, "kind": ledger.kind, "encoding": ledger.encoding,
        "columns": [[name, columns.cell_text(ledger.header[index])] for name, index in order],
        "ignored": ledger.ignored, "preview": rows,
    }


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    _require_some(request.user, can.IMPORT_LEDGER)
    communities = Community.objects.filter(pk__in=[c.pk for c in Community.objects.visible_to(request.user)
                                                   if allowed(request.user, can.IMPORT_LEDGER, c)])
    form = ImportForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.FANGKONG_IMPORT_MAX_BYTES:
            from django.template.defaultfilters import filesizeformat

            form.add_error("file", _("The file is %(size)s; files up to %(limit)s can be imported.")
                           % {"size": filesizeformat(upload.size),
                              "limit": filesizeformat(settings.FANGKONG_IMPORT_MAX_BYTES)})
        else:
            job = ImportJob(community=form.cleaned_data["community"], created_by=request.user,
                            original_name=Path(upload.name).name[:200], dry_run=form.cleaned_data["dry_run"],
                            create_places=form.cleaned_data["create_places"])
            job.file.save(Path(upload.name).name[-100:], upload, save=False)
            try:
                with open_ledger(job.file.path, job.original_name) as ledger:
                    job.mapping = {**_preview(ledger), "language": translation.get_language()}
            except LedgerError as error:
                job.file.delete(save=False)
                form.add_error("file", error.message)
            else:
                job.save()
                return redirect(job)
    return render(request, "registry/ledger_import.html", {"form": form})


@login_required
def import_detail(request, pk):
    job = _job(request.user, pk)
    return render(request, "registry/ledger_job.html", _job_context(job))


def _job_context(job):
    processed, total = progress(job)
    percent = min(100, round(100 * processed / total)) if total else (100 if job.status == ImportStatus.DONE else 0)
    fields = dict(columns.FIELD_LABELS)
    mapping = job.mapping or {}
    return {
        "job": job, "processed": processed, "total": total, "percent": percent,
        "confirmed": bool(mapping.get("confirmed_at")),
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "stalled": is_stalled(job),
        "columns": [(fields.get(name, name), header) for name, header in mapping.get("columns", [])],
        "preview_header": [fields.get(name, name) for name, _header in mapping.get("columns", [])],
        "mapping": mapping,
    }


@login_required
@require_POST
def import_start(request, pk):
    job = may(request, can.IMPORT_LEDGER, _job(request.user, pk))
    waiting = job.status == ImportStatus.PENDING and not (job.mapping or {}).get("confirmed_at")
    if waiting or is_stalled(job):
        job.status = ImportStatus.PENDING
        job.mapping = {**(job.mapping or {}), "confirmed_at": timezone.now().isoformat()}
        job.save(update_fields=["status", "mapping"])
        enqueue(import_ledger, job.pk)
    return redirect(job)


@login_required
def import_progress(request, pk):
    job = _job(request.user, pk)
    return render(request, "registry/ledger_job_progress.html",
                  {**_job_context(job), "can_reveal": services.can_reveal(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def import_errors(request, pk):
    """The error report, masked like every export (GET). Whole ID numbers and phones only with
    the reveal permission and a reason (POST with mode=reveal); every download is audited."""
    job = _job(request.user, pk)
    if not job.error_report:
        raise Http404
    name = Path(job.original_name).stem
    if request.method == "POST" and request.POST.get("mode") == "reveal":
        if not services.can_reveal(request.user):
            raise PermissionDenied(_("Your role may not see personal numbers whole."))
        form = RevealExportForm(request.POST)
        if not form.is_valid():
            return render(request, "registry/ledger_job_progress.html",
                          {**_job_context(job), "reveal_form": form, "can_reveal": True}, status=400)
        services.audit(request.user, AuditAction.EXPORT, job, community=job.community,
                       fields=["id_number", "phone"], reason=form.cleaned_data["reason"],
                       changes={"report": [job.reported, ""]})
        response = FileResponse(job.error_report.open("rb"), as_attachment=True,
                                filename=f"{name}.errors-whole.xlsx", content_type=XLSX)
    else:
        services.audit(request.user, AuditAction.EXPORT, job, community=job.community,
                       changes={"report": [job.reported, ""]})
        try:
            with job.error_report.open("rb") as source:
                masked = masked_copy(source)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            raise Http404 from None  # not a workbook any more (lost, cut short): nothing to give
        response = FileResponse(_unlinked(masked), as_attachment=True, filename=f"{name}.errors.xlsx",
                                content_type=XLSX)
    response["Cache-Control"] = "no-store"
    return response


def _unlinked(path):
    """An open handle on a temporary file that is already gone from the disk (POSIX)."""
    handle = open(path, "rb")  # noqa: SIM115 - closed by the FileResponse
    Path(path).unlink(missing_ok=True)
    return handle


@login_required
def import_list(request):
    _require_some(request.user, can.IMPORT_LEDGER)
    jobs = jobs_for(request.user).select_related("community", "created_by")[:100]
    return render(request, "registry/ledger_import_list.html", {"jobs": jobs})


def _export_scope(request) -> ExportScope:
    params = request.POST if request.method == "POST" else request.GET
    scope = ExportScope(q=params.get("q", "").strip()[:100], tag=params.get("tag", ""),
                        residency=params.get("residency", ""))
    for name, model in (("community", Community), ("grid", Grid), ("building", Building),
                        ("household", Household)):
        value = params.get(name, "")
        if value.isdigit():
            get_visible_or_404(model.objects.all(), request.user, pk=value)
            setattr(scope, f"{name}_id", int(value))
    return scope


def _xlsx_response(handle, stem):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(handle, as_attachment=True, filename=f"{stem}-{stamp}.xlsx", content_type=XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_export(request):
    """GET with scope parameters (or download=1) gives the masked ledger at once, so a list page
    can link to it. The page's form posts: masked, or whole numbers with a reason."""
    _require_some(request.user, can.EXPORT_PEOPLE)
    scope = _export_scope(request)
    can_reveal = services.can_reveal(request.user)
    reveal = request.method == "POST" and request.POST.get("mode") == "reveal"
    form = RevealExportForm(request.POST if reveal else None)
    if reveal:
        if not can_reveal:
            raise PermissionDenied(_("Your role may not see personal numbers whole."))
        if form.is_valid():
            try:
                handle, _count = export_people(request.user, scope, reveal_reason=form.cleaned_data["reason"])
            except ExportRefused as error:
                form.add_error("reason", error.message)
            else:
                return _xlsx_response(handle, _("people-whole"))
    elif request.method == "POST" or request.GET.keys() & EXPORT_PARAMS:
        handle, _count = export_people(request.user, scope)
        return _xlsx_response(handle, _("people"))
    return render(request, "registry/ledger_export.html", {
        "form": form, "can_reveal": can_reveal, "scope": scope,
        "grids": Grid.objects.visible_to(request.user).select_related("community"),
        "buildings": Building.objects.visible_to(request.user).order_by("community", "door_sort"),
        "tags": CareTag.choices, "residencies": Residency.choices,
    })


@login_required
def ledger_template(request):
    import tempfile

    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    write_template(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=_("people-ledger-template") + ".xlsx",
                        content_type=XLSX)

