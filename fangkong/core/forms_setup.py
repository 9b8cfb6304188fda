"""Forms of the set-up pages (places and accounts): formats only; the rules are in
core/places.py and core/accounts.py, whose errors the views attach to the named field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Building, Community, Estate, Grid, Role, Unit, Zone


class _Styled:
    def style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class CommunityForm(_Styled, forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "code", "province", "city", "district", "street"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
        self.style()

    def validate_unique(self):
        pass  # the service answers a taken code with its own message


class NameForm(_Styled, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class EntranceForm(_Styled, forms.Form):
    number = forms.CharField(label=_("Entrance number"), max_length=20,
                             help_text=_("As it is painted at the door: 1, 2, A (the page adds 单元)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


class GridForm(_Styled, forms.Form):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=9999)
    name = forms.CharField(label=_("Name"), max_length=100, required=False,
                           help_text=_("Empty: “Grid” and its number."))
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.filter(community=community)
        self.style()


class UnitForm(_Styled, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none())

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = Grid.objects.filter(community=community)
        self.style()


class BuildingForm(_Styled, forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False,
                                    help_text=_("Empty: the building is in no estate."))
    door_number = forms.CharField(label=_("Door number"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none())
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.filter(community=community)
        self.fields["grid"].queryset = Grid.objects.filter(community=community)
        self.fields["unit"].queryset = Unit.objects.filter(community=community).select_related("grid")
        self.style()


class EditBuildingForm(_Styled, forms.Form):
    """Where a building is within its community: its estate and door number (an old building put
    into the estate it belongs to, a door number corrected), and its name."""

    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none(), required=False,
                                    help_text=_("Empty: the building is in no estate."))
    door_number = forms.CharField(label=_("Door number"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = Estate.objects.filter(community=community)
        self.style()


class MoveBuildingForm(_Styled, forms.Form):
    grid = forms.ModelChoiceField(label=_("New grid"), queryset=Grid.objects.none())
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = Grid.objects.filter(community=community)
        self.fields["unit"].queryset = Unit.objects.filter(community=community)
        self.style()


def _role_choices(include_district_admin):
    return [(r.value, r.label) for r in Role if include_district_admin or r != Role.DISTRICT_ADMIN]


class AccountForm(_Styled, forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    organisation = forms.CharField(label=_("Unit they come from"), max_length=100, required=False)
    username = forms.CharField(label=_("User name"), max_length=150, required=False,
                               help_text=_("Empty: made from the name's initials and the phone's last 4 digits."))
    role = forms.ChoiceField(label=_("Role"))
    grids = forms.ModelMultipleChoiceField(label=_("Grids"), queryset=Grid.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    buildings = forms.ModelMultipleChoiceField(label=_("Buildings"), queryset=Building.objects.none(),
                                               required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, community, include_district_admin=False, scope_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(include_district_admin)
        self.fields["grids"].queryset = Grid.objects.filter(community=community)
        self.fields["buildings"].queryset = Building.objects.filter(community=community).select_related("estate")
        self.fields["buildings"].label_from_instance = lambda b: b.address
        if scope_only:
            for name in ("full_name", "phone", "organisation", "username"):
                del self.fields[name]
        self.style()


class PasteForm(forms.Form):
    rows = forms.CharField(
        label=_("One person a line: name, phone, unit they come from, role, grids or buildings"),
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 12, "spellcheck": "false"}),
        help_text=_("Copy the rows from Excel (tabs) or type them with commas. Several buildings: "
                    "17、564 or 金岸3号楼 龙海2号楼."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False,
                             widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}))


class OwnPasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput(
        attrs={"class": "form-control", "autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("The same again"), widget=forms.PasswordInput(
        attrs={"class": "form-control", "autocomplete": "new-password"}))
