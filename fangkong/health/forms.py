"""Forms of the health pages: formats only; the rules are in services."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Level, MeasureKind, QuarantineSite, SealResult, State


class Bootstrap:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.HiddenInput)):
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StateForm(Bootstrap, forms.Form):
    state = forms.ChoiceField(label=_("New state"), choices=State.choices)
    on = forms.DateField(label=_("Since"), widget=DATE, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ArrivalForm(Bootstrap, forms.Form):
    origin_area = forms.ModelChoiceField(label=_("From (register)"), queryset=None, required=False)
    origin_text = forms.CharField(label=_("From (typed)"), max_length=200, required=False,
                                  help_text=_("When the place is not in the register"))
    travel_date = forms.DateField(label=_("Left on"), widget=DATE)
    arrival_date = forms.DateField(label=_("Arrived on"), widget=DATE, initial=timezone.localdate)
    transport = forms.CharField(label=_("Transport"), max_length=100, required=False)
    companions = forms.CharField(label=_("Travelling with"), max_length=200, required=False)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin_area"].queryset = areas

    def clean(self):
        data = super().clean()
        if not data.get("origin_area") and not (data.get("origin_text") or "").strip():
            raise forms.ValidationError(_("Pick the place from the register or type it."))
        return data


class MeasureForm(Bootstrap, forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    start = forms.DateField(label=_("Start"), widget=DATE)
    end = forms.DateField(label=_("End"), widget=DATE)
    test_days = forms.CharField(label=_("Test days"), max_length=60, required=False)


class OverrideForm(MeasureForm):
    reason = forms.CharField(label=_("Why not the proposal"), max_length=300)


class LevelForm(Bootstrap, forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    effective_from = forms.DateTimeField(label=_("Effective from"),
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    notice_number = forms.CharField(label=_("Notice"), max_length=60, required=False)


class AreaForm(LevelForm):
    name = forms.CharField(label=_("Area"), max_length=200)
    parent = forms.CharField(label=_("Belongs to"), max_length=200, required=False)
    field_order = ["name", "parent", "level", "effective_from", "notice_number"]


class NoticeForm(Bootstrap, forms.Form):
    text = forms.CharField(label=_("Notice text"), widget=forms.Textarea(attrs={"rows": 12}))


class ChangeForm(Bootstrap, forms.Form):
    take = forms.BooleanField(label=_("Take"), required=False, initial=True)
    name = forms.CharField(label=_("Area"), max_length=200)
    parent = forms.CharField(label=_("Belongs to"), max_length=200, required=False)
    new_level = forms.ChoiceField(label=_("New level"), choices=Level.choices)
    effective_from = forms.DateTimeField(label=_("Effective from"),
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                    format="%Y-%m-%dT%H:%M"))


ChangeFormSet = forms.formset_factory(ChangeForm, extra=0)


class PolicyStepForm(Bootstrap, forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    order = forms.IntegerField(label=_("Step"), min_value=1, max_value=9, initial=1)
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=60)
    test_days = forms.CharField(label=_("Test days"), max_length=60, required=False)


PolicyFormSet = forms.formset_factory(PolicyStepForm, extra=2, can_delete=True)


class SiteForm(Bootstrap, forms.ModelForm):
    class Meta:
        model = QuarantineSite
        fields = ["name", "address", "rooms", "capacity", "contact_name", "contact_phone"]


class TransferForm(Bootstrap, forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None)
    vehicle = forms.CharField(label=_("Vehicle"), max_length=50)
    departs_at = forms.DateTimeField(label=_("Departs"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    measures = forms.ModelMultipleChoiceField(label=_("People"), queryset=None,
                                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, sites=None, measures=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["measures"].queryset = measures
        self.fields["measures"].label_from_instance = lambda m: f"{m.person.name} · {m.start:%m-%d}–{m.end:%m-%d}"


class SealCheckForm(forms.Form):
    result = forms.ChoiceField(choices=SealResult.choices)
    note = forms.CharField(max_length=200, required=False)


class ReceptionForm(Bootstrap, forms.Form):
    next_days = forms.IntegerField(label=_("Then home health monitoring for (days)"), min_value=0, max_value=30,
                                   initial=3, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class EarlyReleaseForm(Bootstrap, forms.Form):
    reason = forms.CharField(label=_("Why they leave before the end date"), max_length=300,
                             help_text=_("For example: two negative tests and the disease-control centre's "
                                         "release notice; transferred to hospital. Written to the audit log."))


class ViolationForm(Bootstrap, forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    what = forms.CharField(label=_("What happened"), max_length=300)
    action = forms.CharField(label=_("What was done"), max_length=300)


def parse_temperature(text) -> Decimal | None:
    """A thumb types 365 or 36,5 as often as 36.5: read them all; anything outside 34-43 °C is
    not a temperature."""
    text = str(text or "").strip().replace(",", ".").replace("，", ".").replace("。", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    if value >= 100:
        value = value / 10
    if not Decimal("34") <= value <= Decimal("43"):
        return None
    return value.quantize(Decimal("0.1"))
