"""Forms of the screening pages. They check formats; the rules (who may screen what, when a round
closes) are in registry.screening."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import PersonForm

from .models import Outcome

CLIENT_ID = r"^[A-Za-z0-9_.:-]{8,64}$"


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    ends_at = forms.DateTimeField(label=_("Ends"), required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    whole_community = forms.BooleanField(label=_("The whole community"), required=False)
    grids = forms.ModelMultipleChoiceField(label=_("Grids"), queryset=None, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    buildings = forms.ModelMultipleChoiceField(label=_("Buildings"), queryset=None, required=False,
                                               help_text=_("Only some buildings: choose them here."))

    def __init__(self, *args, grids, buildings, whole_community_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = grids
        self.fields["buildings"].queryset = buildings
        self.fields["buildings"].widget.attrs.update({"class": "form-select", "size": 6})
        if not whole_community_allowed:
            del self.fields["whole_community"]
        for name in ("name", "starts_at", "ends_at"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
        if "whole_community" in self.fields:
            self.fields["whole_community"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The round must end after it starts."))
        chosen = data.get("grids") or data.get("buildings")
        if data.get("whole_community") and chosen:
            raise ValidationError(_("Either the whole community, or grids and buildings: not both."))
        if not data.get("whole_community") and not chosen:
            raise ValidationError(_("Choose the grids or buildings the round covers."))
        return data


class TapForm(forms.Form):
    """What every tap from the phone carries: the door, a client id, and the phone's own time."""

    household = forms.IntegerField(min_value=1)
    client_id = forms.RegexField(regex=CLIENT_ID)
    at = forms.DateTimeField(required=False)


class VisitForm(TapForm):
    outcome = forms.ChoiceField(choices=Outcome.choices)


class MemberForm(TapForm):
    STATES = [("confirmed", _("Confirmed")), ("moved_out", _("Moved out")), ("present", _("No mark")),
              ("confirm_all", _("Confirm everyone"))]

    person = forms.IntegerField(min_value=1, required=False)
    state = forms.ChoiceField(choices=STATES)

    def clean(self):
        data = super().clean()
        if data.get("state") not in (None, "confirm_all") and not data.get("person"):
            raise ValidationError(_("Choose the person."))
        return data


class AddPersonForm(PersonForm):
    """The person form of the person file, plus the tap's client id so that sending it twice adds
    one person."""

    client_id = forms.RegexField(regex=CLIENT_ID, widget=forms.HiddenInput)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                             help_text=_("Required while some households have no outcome."))
