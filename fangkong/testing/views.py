"""Pages of the testing rounds (全员核酸). Objects come through scope (404 outside it); the rules
are in testing.services. The sampler page sends its scans to the REST API (one batch endpoint for
the live scan and the offline queue alike)."""

import io
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.actions import allowed
from fangkong.core.fieldtime import posted_time
from fangkong.core.models import AuditAction, Building, Community, Grid, Household, Person
from fangkong.core.pages import community_choice, may
from fangkong.core.scope import get_visible_or_404
from fangkong.core.services import audit
from fangkong.lib.masking import mask_name
from fangkong.lib.pdf import pdf_response
from fangkong.lib.sheets import XLSX_TYPE as XLSX

from . import actions as can
from . import codes, dorfman, exports, pdf, results_file, scanning, services
from .models import AntigenReport, AntigenResult, PersonCode, PoolSize, TestRound, Tube, TubeResult


def _round(request, pk):
    return get_visible_or_404(TestRound.objects.select_related("community"), request.user, pk=pk)


def _building_param(request, write=False):
    value = request.GET.get("building") or request.POST.get("building") or ""
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404
    return get_visible_or_404(Building.objects.all(), request.user, write=write, pk=value)


class RoundForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    pool_size = forms.TypedChoiceField(label=gettext_lazy("Pool size"), choices=PoolSize.choices, coerce=int,
                                       initial=PoolSize.TEN)
    grids = forms.ModelMultipleChoiceField(label=gettext_lazy("Grids"), queryset=Grid.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=gettext_lazy("No grid and no building: the whole community."))
    buildings = forms.ModelMultipleChoiceField(label=gettext_lazy("Buildings"), queryset=Building.objects.none(),
                                               required=False)
    sampling_points = forms.CharField(label=gettext_lazy("Sampling points"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text=gettext_lazy("One per line"))
    exempt_under_age = forms.IntegerField(label=gettext_lazy("Infants exempt under (years)"), min_value=0,
                                          max_value=6, initial=0)

    def __init__(self, *args, grids, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = grids
        self.fields["buildings"].queryset = buildings
        for name, field in self.fields.items():
            if name != "grids":
                field.widget.attrs.setdefault("class", "form-select" if name in ("pool_size", "buildings")
                                              else "form-control")


@login_required
@require_GET
def testround_list(request):
    rounds = TestRound.objects.visible_to(request.user).select_related("community")
    can_create = any(allowed(request.user, can.CREATE_ROUND, c) for c in Community.objects.visible_to(request.user))
    return render(request, "testing/round_list.html", {"rounds": rounds, "can_create": can_create})


@login_required
@require_http_methods(["GET", "POST"])
def testround_create(request):
    communities = [c for c in Community.objects.visible_to(request.user).order_by("name", "pk")
                   if allowed(request.user, can.CREATE_ROUND, c)]
    if not communities:
        raise PermissionDenied(str(can.CREATE_ROUND.message))
    # The community the round is for: the user's only one, or the one they chose (never the first).
    wanted = request.POST.get("community") or request.GET.get("community") or ""
    community = next((c for c in communities if str(c.pk) == wanted), None)
    if community is None:
        if len(communities) > 1 or wanted:
            return community_choice(request, communities)
        community = communities[0]
    form = RoundForm(request.POST or None, initial={"date": timezone.localdate()},
                     grids=Grid.objects.visible_to(request.user).filter(community=community),
                     buildings=Building.objects.visible_to(request.user).filter(community=community))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = services.create_round(request.user, community, name=data["name"], date=data["date"],
                                           pool_size=data["pool_size"], grids=data["grids"],
                                           buildings=data["buildings"], sampling_points=data["sampling_points"],
                                           exempt_under_age=data["exempt_under_age"] or 0)
        except services.TestingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Testing round %(name)s started.") % {"name": round_.name})
            return redirect(round_)
    return render(request, "testing/round_form.html", {"form": form, "community": community})


@login_required
@require_GET
def testround_detail(request, pk):
    round_ = _round(request, pk)
    cover = services.coverage(round_, request.user)
    return render(request, "testing/round_detail.html", {
        "round": round_, "cover": cover, "tally": cover.community,
        "can_manage": allowed(request.user, can.IMPORT_RESULTS, round_),
        "can_scan": allowed(request.user, can.SCAN, round_),
        "can_retest": (round_.pool_size != PoolSize.SINGLE and allowed(request.user, can.CREATE_RETEST_ROUND, round_)
                       and services.retest_persons(round_).exists()),
    })


@login_required
@require_POST
def testround_retest_round(request, pk):
    """单管复核: the single-tube round over this round's retest list, started from its page."""
    round_ = _round(request, pk)
    retest = services.create_retest_round(request.user, round_)
    messages.success(request, _("Testing round %(name)s started.") % {"name": retest.name})
    return redirect(retest)


@login_required
@require_GET
def testround_sampler(request, pk):
    round_ = may(request, can.SCAN, _round(request, pk))
    return render(request, "testing/sampler.html", {"round": round_})


@login_required
@require_GET
def testround_find(request, pk):
    """The manual fallback: persons by name, last 4 of ID or phone, or door-room (JSON)."""
    round_ = _round(request, pk)
    found = scanning.find_persons(round_, request.user, request.GET.get("q", ""))
    return JsonResponse({"persons": [{
        "id": p.pk, "name": p.name, "id_masked": p.id_masked,
        "place": f"{p.household.building.door_number}-{p.household.room}" if p.household_id else "",
        "sampled": p.sampled} for p in found], "tubes": _tubes_like(round_, request.GET.get("q", ""))},
        json_dumps_params={"ensure_ascii": False})


def _tubes_like(round_, q):
    """The round's tubes whose barcode contains what was typed (3 characters or more): a damaged
    label is found by the digits still readable."""
    q = q.strip().upper()
    if len(q) < 3:
        return []
    return [{"code": t.code, "n": t.n, "pool_size": t.pool_size, "closed": t.closed_at is not None}
            for t in Tube.objects.filter(round=round_, code__icontains=q).order_by("-opened_at")[:10]]


@login_required
@require_GET
def testround_coverage(request, pk):
    round_ = _round(request, pk)
    return render(request, "testing/coverage.html", {"round": round_, "cover": services.coverage(round_, request.user)})


@login_required
@require_GET
def testround_untested(request, pk):
    """The list the building leader takes up the stairs: untested persons by building and room,
    phones masked. Printable (the page prints without the navigation)."""
    round_ = _round(request, pk)
    building = _building_param(request)
    groups = services.untested(round_, request.user, building=building)
    return render(request, "testing/untested.html", {"round": round_, "groups": groups, "building": building,
                                                     "total": sum(len(p) for _b, p in groups)})


@login_required
@require_GET
def testround_untested_xlsx(request, pk):
    round_ = _round(request, pk)
    building = _building_param(request)
    content, _count = exports.untested_xlsx(round_, request.user, building=building)
    name = _("untested") + (f"-{building.door_number}" if building else "") + f"-{round_.date:%Y%m%d}.xlsx"
    response = FileResponse(io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def testround_retests(request, pk):
    round_ = _round(request, pk)
    return render(request, "testing/retests.html", {
        "round": round_, "groups": services.retest_list(round_, request.user),
        "positives": services.positive_persons(round_).visible_to(request.user).select_related("household__building"),
    })


@login_required
@require_GET
def testround_home_sampling(request, pk):
    round_ = _round(request, pk)
    groups = services.home_sampling(round_, request.user)
    return render(request, "testing/home_sampling.html", {"round": round_, "groups": groups,
                                                          "total": sum(len(p) for _b, p in groups)})


class ResultsForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Results file (.csv, .xlsx)"))


@login_required
@require_http_methods(["GET", "POST"])
def testround_results(request, pk):
    round_ = may(request, can.IMPORT_RESULTS, _round(request, pk))
    form = ResultsForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = results_file.read_upload(form.cleaned_data["file"])
        except results_file.ResultsFileError as error:
            form.add_error("file", error.message)
        else:
            report = services.import_results(request.user, round_, rows)
    return render(request, "testing/results.html", {"round": round_, "form": form, "report": report,
                                                    "held": services.held_conflicts(round_)})


class CorrectionForm(forms.Form):
    tube_code = forms.CharField(label=gettext_lazy("Tube barcode"), max_length=40)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=TubeResult.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300,
                             help_text=gettext_lazy("Who decided, on what evidence (the lab's corrected report, a "
                                                    "retest)."))


@login_required
@require_http_methods(["GET", "POST"])
def testround_correct(request, pk):
    """A person decides a tube's result: a conflict held from a file, or a result a lab withdrew."""
    round_ = _round(request, pk)
    may(request, can.CORRECT_RESULT, round_)
    initial = {"tube_code": request.GET.get("tube", ""), "result": request.GET.get("result", "")}
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tube = services.correct_result(request.user, round_, data["tube_code"], data["result"], data["reason"])
        except services.TestingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Tube %(tube)s is now %(result)s.")
                             % {"tube": tube.code, "result": tube.get_result_display()})
            return redirect("testround_correct", round_.pk)
    tube = None
    if code := (form["tube_code"].value() or "").strip().upper():
        tube = Tube.objects.filter(round_id=round_.pk, code=code).first()
    return render(request, "testing/correct.html", {"round": round_, "form": form, "tube": tube,
                                                    "held": services.held_conflicts(round_)})


# --- person codes -----------------------------------------------------------------------------


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=6, border=2)


@login_required
@require_GET
def person_code(request):
    """A person's own code on a phone (shown by staff, or opened from the link they send)."""
    value = request.GET.get("person", "")
    if not value.isdigit():
        raise Http404
    person = get_visible_or_404(Person.objects.select_related("household__building"), request.user, pk=value)
    text = codes.token(codes.code_for(person))
    link = request.build_absolute_uri(f"{reverse('testing_my_code')}?{urlencode({'code': text})}")
    return render(request, "testing/person_code.html", {"person": person, "qr": qr_data_uri(text), "text": text,
                                                        "link": link})


@require_GET
def my_code(request):
    """The page a person opens on their own phone, from the link staff send them: their code, big,
    with the masked name and room so that they know it is theirs. No account: the link carries the
    code itself, signed and unguessable, in its query string (which the access log leaves out); a
    revoked one says so."""
    parsed = codes.parse(request.GET.get("code", ""))
    code = (PersonCode.objects.filter(key=parsed.key).select_related("person__household__building").first()
            if parsed else None)
    if code is None:
        raise Http404
    person = code.person
    context = {"revoked": parsed.version != code.version, "name": mask_name(person.name),
               "place": (f"{person.household.building.door_number}-{person.household.room}"
                         if person.household_id else "")}
    if not context["revoked"]:
        context["qr"] = qr_data_uri(codes.token(code))
    response = render(request, "testing/my_code.html", context, status=410 if context["revoked"] else 200)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def person_code_revoke(request):
    value = request.POST.get("person", "")
    if not value.isdigit():
        raise Http404
    person = get_visible_or_404(Person.objects.all(), request.user, write=True, pk=value)
    code = codes.revoke(person)
    audit(request.user, AuditAction.CHANGE, person, fields=["person_code"], changes={"code_version":
                                                                                    ["", str(code.version)]})
    messages.success(request, _("The old code of %(name)s no longer scans; print or show the new one.")
                     % {"name": person.name})
    return redirect(f"{reverse('testing_person_code')}?person={person.pk}")


@login_required
@require_GET
def code_sheet_pdf(request):
    """Printable person codes for people without phones: per building (?building=) or per household
    (?household=). A print of personal data: written to the audit log."""
    if request.GET.get("household", "").isdigit():
        household = get_visible_or_404(Household.objects.select_related("building"), request.user,
                                       pk=request.GET["household"])
        persons = Person.objects.visible_to(request.user).filter(household=household)
        subject, name = household, f"{household.building.door_number}-{household.room}"
    else:
        building = _building_param(request)
        if building is None:
            raise Http404
        persons = Person.objects.visible_to(request.user).filter(household__building=building)
        subject, name = building, building.door_number
    persons = list(persons.select_related("household__building").order_by("household__room_sort", "name", "pk"))
    content = pdf.code_sheet(persons, codes.codes_for(persons))
    audit(request.user, AuditAction.EXPORT, subject, fields=["person_codes"])
    return pdf_response(content, f"person-codes-{name}.pdf", _("Person codes") + f"-{name}.pdf")


# --- pool size advice -------------------------------------------------------------------------


@login_required
@require_GET
def pool_size(request):
    raw = request.GET.get("p", "").strip().rstrip("%")
    options, best, prevalence, error = [], None, None, ""
    if raw:
        try:
            prevalence = float(raw) / 100
            if not 0 <= prevalence <= 1:
                raise ValueError
        except ValueError:
            error = _("Give the prevalence as a percentage between 0 and 100.")
        else:
            options = dorfman.options(prevalence)
            best = dorfman.advise(prevalence)
    return render(request, "testing/pool_size.html", {"options": options, "best": best, "raw": raw, "error": error})


# --- antigen self-tests -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def antigen(request):
    """A building on one screen: each person's self-test today, saved together."""
    building = _building_param(request, write=request.method == "POST")
    buildings = Building.objects.visible_to(request.user, write=True).order_by("door_sort")
    if building is None:
        return render(request, "testing/antigen.html", {"buildings": buildings,
                                                        "positives": services.antigen_positives(request.user)})
    persons = list(Person.objects.visible_to(request.user).filter(household__building=building)
                   .select_related("household").order_by("household__room_sort", "name", "pk"))
    today = timezone.localdate()
    if request.method == "POST":
        # The day the results were entered on the phone (a queue sent after midnight: the day before).
        at = posted_time(request)
        chosen = {p: request.POST.get(f"r{p.pk}", "") for p in persons}
        counts = services.record_antigen(request.user, {p: r for p, r in chosen.items() if r},
                                         date=timezone.localdate(at), at=at)
        messages.success(request, _("%(n)d self-tests saved.") % {"n": counts["saved"]})
        if counts["positive"]:
            messages.warning(request, _("%(n)d positive: the command post sees them now.") % {"n": counts["positive"]})
        return redirect(f"{request.path}?building={building.pk}")
    reported = dict(AntigenReport.objects.filter(person__in=persons, date=today).values_list("person_id", "result"))
    rows = [(p, reported.get(p.pk, "")) for p in persons]
    return render(request, "testing/antigen_building.html", {
        "building": building, "rows": rows, "choices": AntigenResult.choices, "today": today,
        "can_write": allowed(request.user, can.RECORD_ANTIGEN, building)})
