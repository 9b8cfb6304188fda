"""Forms of the ledger pages: upload a ledger, ask why an export shows numbers whole."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import Community


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Ledger file"), help_text=_(".xlsx, .xls or .csv (UTF-8 or GBK)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}))
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none(), empty_label=None)
    create_places = forms.BooleanField(label=_("Create missing buildings and households"), required=False,
                                       help_text=_("Otherwise rows with an unknown building or room are reported."))
    dry_run = forms.BooleanField(label=_("Dry run: report only, write nothing"), required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = communities if communities is not None else Community.objects.none()
        self.fields["community"].queryset = communities
        # One community (the usual case): no choice to make, so no field to show.
        self.only_community = communities.first() if communities.count() == 1 else None
        if self.only_community:
            del self.fields["community"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                is_select = isinstance(field.widget, forms.Select)
                field.widget.attrs["class"] = "form-select" if is_select else "form-control"

    def clean(self):
        data = super().clean()
        if self.only_community:
            data["community"] = self.only_community
        return data


class RevealExportForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need ID numbers and phones whole?"), min_length=2, max_length=300,
                             widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}))


class PlacesImportForm(ImportForm):
    """The places sheet: no "create missing places" choice (creating them is what it is for)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["create_places"]
        del self.fields["dry_run"]
        self.fields["file"].label = _("Places sheet")
