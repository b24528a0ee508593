from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The widgets and choices are the back office's: one look, one behaviour.
from umis.backoffice.forms import (
    DateInput,
    UswdsFormMixin,
    city_choices,
    country_choices,
    document_type_choices,
    region_choices,
)
from umis.core.models import Country
from umis.registry.constants import Sex


class DeadlineForm(forms.Form):
    nationality = forms.ChoiceField(label=_("Your citizenship"))
    arrival = forms.DateField(
        label=_("Arrival date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_days = forms.IntegerField(
        label=_("How many days will you stay? (optional)"),
        required=False,
        min_value=1,
        max_value=3650,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nationality"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [
            (c.pk, f"{c.name} ({c.pk})")
            for c in Country.objects.filter(is_active=True).exclude(pk="AZE")
        ]
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "usa-select" if isinstance(f, forms.ChoiceField) else "usa-input"
            )


# --- host area (hotels, landlords) ------------------------------------------------------


def _blank() -> list[tuple[str, str]]:
    return [("", "—")]


class HostGuestForm(UswdsFormMixin, forms.Form):
    """One guest, as in the travel document; the address defaults to the host's."""

    document_type = forms.ChoiceField(label=_("Document type"), initial="passport")
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    document_issuing_state = forms.ChoiceField(label=_("Issuing state"))
    family_name = forms.CharField(
        label=_("Family name"), max_length=150, help_text=_("As in the travel document.")
    )
    given_names = forms.CharField(label=_("Given names"), max_length=150, required=False)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    nationality = forms.ChoiceField(label=_("Nationality"))
    arrival_date = forms.DateField(label=_("Arrival date"), widget=DateInput())
    region = forms.ChoiceField(label=_("Region"))
    city = forms.ChoiceField(label=_("City"), help_text=_("Cities are grouped by region."))
    street = forms.CharField(
        label=_("Street address"), max_length=300, help_text=_("Street, building, apartment.")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("document_type").choices = document_type_choices()
        countries = _blank() + country_choices()
        self._choices("document_issuing_state").choices = countries
        self._choices("nationality").choices = countries
        self._choices("region").choices = _blank() + region_choices()
        self._choices("city").choices = _blank() + city_choices()


class HostUploadForm(UswdsFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file of guests"),
        help_text=_("UTF-8, comma- or semicolon-separated, with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class HostTokenForm(UswdsFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses it, e.g. “hotel PMS”."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        initial=90,
        choices=[(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (366, _("1 year"))],
    )
