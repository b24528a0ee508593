"""Back-office forms: they parse and shape input for a service or selector and carry the
errors back. No rules and no writes here: validation that matters lives in the services,
whose `FieldError`s are mapped back onto these fields with `apply_errors`.

Widgets get USWDS classes from `UswdsFormMixin`; Django 5.2 adds `aria-invalid` and
`aria-describedby` ("<id>_helptext", "<id>_error") itself, and templates/includes/field.html
renders the hint and error elements with those ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from umis.border.constants import Direction
from umis.core.constants import AccessPurpose, AuditAction, TokenScope
from umis.core.errors import ApplicationError
from umis.core.models import City, Country, Region
from umis.registry.constants import (
    DocumentStatus,
    NameSource,
    OrganisationCategory,
    Script,
    Sex,
)
from umis.registry.models import DocumentType
from umis.registry.services import UPDATABLE
from umis.stays.constants import ViolationStatus, ViolationType

_CLASSES = {
    "select": "usa-select",
    "selectmultiple": "usa-select",
    "textarea": "usa-textarea",
    "clearablefile": "usa-file-input",
    "file": "usa-file-input",
    "checkbox": "usa-checkbox__input",
}


class UswdsFormMixin:
    """Give every widget its USWDS class."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():
            widget = field.widget
            if widget.is_hidden or isinstance(
                widget, forms.CheckboxSelectMultiple | forms.RadioSelect
            ):
                continue
            kind = type(widget).__name__.lower().removesuffix("widget").removesuffix("input")
            css = _CLASSES.get(kind, "usa-input")
            existing = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{css} {existing}".strip()

    def _choices(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _blank(label: Any = "—") -> list[tuple[str, Any]]:
    # A lazy label stays lazy: class-level choices are built at import, before any
    # request has chosen a language.
    return [("", label)]


def country_choices() -> list[tuple[str, str]]:
    """Active countries, "AZE — Azerbaijan" in the active language, sorted by name."""
    rows = [(c.alpha3, f"{c.alpha3} — {c.name}") for c in Country.objects.filter(is_active=True)]
    return sorted(rows, key=lambda r: r[1].split(" — ", 1)[-1].casefold())


def region_choices() -> list[tuple[str, str]]:
    rows = [(r.code, r.name) for r in Region.objects.filter(is_active=True)]
    return sorted(rows, key=lambda r: r[1].casefold())


def city_choices() -> list[tuple[str, Any]]:
    """Cities grouped by region (an optgroup per region): works without JavaScript."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for city in City.objects.filter(is_active=True, region__is_active=True).select_related(
        "region"
    ):
        groups.setdefault(city.region.name, []).append((city.code, city.name))
    return [
        (region, sorted(cities, key=lambda c: c[1].casefold()))
        for region, cities in sorted(groups.items(), key=lambda g: g[0].casefold())
    ]


def document_type_choices() -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in DocumentType.objects.filter(is_active=True)]


BIRTH_DATE_HELP = _("YYYY-MM-DD; if the day or month is unknown, YYYY-MM or YYYY.")


def apply_errors(
    form: forms.BaseForm, error: ApplicationError, mapping: Mapping[str, str] | None = None
) -> None:
    """Put a service's field errors on the form's fields (`mapping` renames service
    fields such as "address.city" to form fields); anything else becomes a form error."""
    mapping = mapping or {}
    if not hasattr(form, "cleaned_data"):
        # An unbound form (e.g. one prefilled from an MRZ) can carry errors too.
        form.cleaned_data = {}
    placed = False
    for fe in error.field_errors:
        name = mapping.get(fe.field, fe.field)
        if name not in form.fields and "." in name:
            name = name.split(".", 1)[0]  # "mrz.birth_date" -> "mrz"
        if name in form.fields:
            form.add_error(name, fe.message)
        else:
            form.add_error(None, f"{fe.field}: {fe.message}")
        placed = True
    if not placed:
        form.add_error(None, error.detail)


# --- persons -------------------------------------------------------------------------


class PersonSearchForm(UswdsFormMixin, forms.Form):
    purpose = forms.ChoiceField(
        label=_("Purpose of the search"),
        choices=AccessPurpose.choices,
        help_text=_("Recorded with every record you open from these results."),
    )
    purpose_reference = forms.CharField(
        label=_("Reference (case or request number)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=150,
        help_text=_("Family name, then given names; the beginning is enough."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.CharField(
        label=_("Birth date"),
        required=False,
        max_length=10,
        help_text=BIRTH_DATE_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    document_number = forms.CharField(
        label=_("Document number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    personal_number = forms.CharField(
        label=_("Personal number (FIN)"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    FILTERS = ("name", "birth_date", "nationality", "document_number", "personal_number")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("nationality").choices = _blank(str(_("Any"))) + country_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(f) or "").strip() for f in self.FILTERS):
            raise forms.ValidationError(
                _("Enter at least one search criterion."), code="no_criteria"
            )
        return data


class PersonFieldsMixin(forms.Form):
    family_name = forms.CharField(label=_("Family name (Latin)"), max_length=150)
    given_names = forms.CharField(label=_("Given names (Latin)"), max_length=150, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank() + list(Sex.choices))
    birth_date = forms.CharField(
        label=_("Birth date"),
        max_length=10,
        help_text=BIRTH_DATE_HELP,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    place_of_birth = forms.CharField(label=_("Place of birth"), max_length=200, required=False)
    birth_country = forms.ChoiceField(label=_("Country of birth"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("With the country code, e.g. +994 50 123 45 67."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )


class PersonCreateForm(UswdsFormMixin, PersonFieldsMixin):
    nationality = forms.ChoiceField(
        label=_("Nationality"), help_text=_("XXA for a stateless person.")
    )
    second_nationality = forms.ChoiceField(label=_("Second nationality"), required=False)
    native_script = forms.ChoiceField(
        label=_("Script"),
        required=False,
        choices=_blank() + [(k, v) for k, v in Script.choices if k != Script.LATIN],
    )
    native_family_name = forms.CharField(
        label=_("Family name (original script)"), max_length=150, required=False
    )
    native_given_names = forms.CharField(
        label=_("Given names (original script)"), max_length=150, required=False
    )
    native_patronymic = forms.CharField(
        label=_("Patronymic (original script)"), max_length=150, required=False
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)
    street = forms.CharField(label=_("Street address"), max_length=300, required=False)

    # Service field -> form field, for errors raised by person_create.
    ERROR_MAP = {
        "nationalities": "nationality",
        "nationalities.0.country": "nationality",
        "nationalities.1.country": "second_nationality",
        "names.0.script": "native_script",
        "names.0.family_name": "native_family_name",
        "names.0.given_names": "native_given_names",
        "names.0.patronymic": "native_patronymic",
        "address.region": "region",
        "address.city": "city",
        "address.street": "street",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = country_choices()
        self._choices("birth_country").choices = _blank() + countries
        self._choices("nationality").choices = _blank() + countries
        self._choices("second_nationality").choices = _blank() + countries
        self._choices("region").choices = _blank() + region_choices()
        self._choices("city").choices = _blank() + city_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        native = [
            data.get(f) for f in ("native_family_name", "native_given_names", "native_patronymic")
        ]
        if any(native) and not data.get("native_script"):
            self.add_error("native_script", _("Choose the script the name is written in."))
        if data.get("native_script") and not data.get("native_family_name"):
            self.add_error("native_family_name", _("Enter the family name in that script."))
        address = [data.get(f) for f in ("region", "city", "street")]
        if any(address) and not all(address):
            for name in ("region", "city", "street"):
                if not data.get(name):
                    self.add_error(name, _("Give region, city and street, or none of them."))
        if data.get("second_nationality") and data.get("second_nationality") == data.get(
            "nationality"
        ):
            self.add_error("second_nationality", _("The same as the first nationality."))
        return data


class PersonEditForm(UswdsFormMixin, PersonFieldsMixin):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    EDITABLE = UPDATABLE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("birth_country").choices = _blank() + country_choices()

    def changes(self) -> dict[str, Any]:
        """Only what the officer changed, so the audit trail records exactly that."""
        return {
            name: self.cleaned_data[name] or ""
            for name in self.EDITABLE
            if name in self.changed_data
        }


class AddressForm(UswdsFormMixin, forms.Form):
    region = forms.ChoiceField(label=_("Region"))
    city = forms.ChoiceField(label=_("City"), help_text=_("Cities are grouped by region."))
    street = forms.CharField(
        label=_("Street address"), max_length=300, help_text=_("Street, building, apartment.")
    )
    valid_from = forms.DateField(
        label=_("Living there since"),
        required=False,
        help_text=_("Leave empty for today."),
        widget=DateInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("region").choices = _blank() + region_choices()
        self._choices("city").choices = _blank() + city_choices()


class RegistrationForm(UswdsFormMixin, forms.Form):
    """Registration at the place of stay at the counter: by a host, or by the person."""

    host = forms.CharField(
        label=_("Host's VÖEN"),
        max_length=12,
        required=False,
        help_text=_("The hotel or landlord registering the person; empty: self-registration."),
    )
    arrival_date = forms.DateField(label=_("Arrival date"), widget=DateInput())
    region = forms.ChoiceField(label=_("Region"))
    city = forms.ChoiceField(label=_("City"), help_text=_("Cities are grouped by region."))
    street = forms.CharField(
        label=_("Street address"), max_length=300, help_text=_("Street, building, apartment.")
    )

    ERROR_MAP = {"host_id": "host"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("region").choices = _blank() + region_choices()
        self._choices("city").choices = _blank() + city_choices()


class HostAccessForm(UswdsFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail of the host's contact person"),
        help_text=_("They receive an e-mail with a link to choose their password."),
    )


class NameForm(UswdsFormMixin, forms.Form):
    """Another spelling of the person's name: in another script, or as another source
    (passport, border system, ...) wrote it."""

    script = forms.ChoiceField(label=_("Script"), choices=_blank() + list(Script.choices))
    family_name = forms.CharField(label=_("Family name"), max_length=150)
    given_names = forms.CharField(label=_("Given names"), max_length=150, required=False)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=list(NameSource.choices),
        initial=NameSource.REGISTRY,
        help_text=_("Where this spelling comes from."),
    )


class NationalityForm(UswdsFormMixin, forms.Form):
    country = forms.ChoiceField(label=_("Country"), help_text=_("XXA for a stateless person."))
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        help_text=_("Leave empty if unknown."),
        widget=DateInput(),
    )
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        help_text=_("Only for a nationality the person no longer has."),
        widget=DateInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("country").choices = _blank() + country_choices()


class NationalityEndForm(UswdsFormMixin, forms.Form):
    valid_to = forms.DateField(
        label=_("Ended on"),
        help_text=_("The day the person lost or gave up this nationality."),
        widget=DateInput(),
    )


class DocumentForm(UswdsFormMixin, forms.Form):
    mrz = forms.CharField(
        label=_("Machine-readable zone (MRZ)"),
        required=False,
        help_text=_("Paste or scan the 2 or 3 MRZ lines, then choose “Read the MRZ”."),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "umis-mrz",
                "spellcheck": "false",
                "autocomplete": "off",
                "autocapitalize": "characters",
            }
        ),
    )
    document_type = forms.ChoiceField(label=_("Document type"))
    number = forms.CharField(
        label=_("Document number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    issuing_state = forms.ChoiceField(label=_("Issuing state"))
    issue_date = forms.DateField(label=_("Date of issue"), required=False, widget=DateInput())
    expiry_date = forms.DateField(label=_("Date of expiry"), required=False, widget=DateInput())

    MRZ_FIELDS = ("document_type", "number", "issuing_state", "expiry_date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("document_type").choices = _blank() + document_type_choices()
        self._choices("issuing_state").choices = _blank() + country_choices()


class DocumentFlagForm(UswdsFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("New status"), choices=DocumentStatus.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_(
            "Required unless the document is marked valid again, e.g. "
            "“reported stolen by the holder, police report 123/2026”."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PhotoForm(UswdsFormMixin, forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("A JPEG or PNG portrait, at least 100 pixels per side."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


# --- border ----------------------------------------------------------------------------


class BorderCheckForm(UswdsFormMixin, forms.Form):
    """What the officer at the booth reads from the travel document. The field names are
    the service's (`CheckData`), so its field errors land on the right field."""

    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Direction.choices,
        initial=Direction.ENTRY,
        widget=forms.RadioSelect,
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    document_issuing_state = forms.ChoiceField(label=_("Issuing state"))
    family_name = forms.CharField(
        label=_("Family name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    given_names = forms.CharField(
        label=_("Given names"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.CharField(
        label=_("Birth date"),
        max_length=10,
        required=False,
        help_text=BIRTH_DATE_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("document_issuing_state").choices = _blank() + country_choices()


# --- organisations (hosts and employers) ---------------------------------------------------


ORGANISATION_ROLES = [("host", _("Host")), ("employer", _("Employer"))]


class OrganisationSearchForm(UswdsFormMixin, forms.Form):
    """VÖEN, part of a name and a role: no personal data, so it travels in the query
    string."""

    q = forms.CharField(
        label=_("VÖEN or name"),
        required=False,
        max_length=300,
        help_text=_("The whole 10-digit VÖEN, or part of the name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=_("Registered as"),
        required=False,
        # Lazy labels, so the choices follow the active language.
        choices=[("", _("Any")), *ORGANISATION_ROLES],
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class OrganisationForm(UswdsFormMixin, forms.Form):
    """A host or employer. When editing, the VÖEN is shown but cannot be changed."""

    tax_number = forms.CharField(
        label=_("VÖEN"),
        max_length=20,
        help_text=_("The tax number: 10 digits."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "numeric"}
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=300)
    category = forms.ChoiceField(
        label=_("Category"), choices=_blank() + list(OrganisationCategory.choices)
    )
    roles = forms.MultipleChoiceField(
        label=_("Registered as"),
        choices=ORGANISATION_ROLES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A host receives foreign guests (hotel, landlord); an employer employs "
            "foreigners. Tick one or both."
        ),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    city = forms.ChoiceField(
        label=_("City"), required=False, help_text=_("Cities are grouped by region.")
    )
    street = forms.CharField(label=_("Street address"), max_length=300, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("With the country code, e.g. +994 12 123 45 67."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )

    # Service field -> form field, for errors raised by organisation_create/_update.
    ERROR_MAP = {"is_host": "roles", "is_employer": "roles"}

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("region").choices = _blank() + region_choices()
        self._choices("city").choices = _blank() + city_choices()
        if editing:
            field = self.fields["tax_number"]
            field.disabled = True  # the submitted value is ignored; the initial one is used
            field.required = False
            field.help_text = _("The VÖEN identifies the organisation and cannot change.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("region")) != bool(data.get("city")):
            for name in ("region", "city"):
                if not data.get(name):
                    self.add_error(name, _("Choose both region and city, or neither."))
        return data


# --- administration ----------------------------------------------------------------------


class AuditSearchForm(UswdsFormMixin, forms.Form):
    """Filters are ids, user names and dates only, so they may travel in the query string."""

    actor = forms.CharField(
        label=_("User name"),
        required=False,
        max_length=150,
        help_text=_("The beginning of a user name."),
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=_blank(_("Any")) + list(AuditAction.choices)
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    person_id = forms.UUIDField(label=_("Person id"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        return data


class ViolationWorklistForm(UswdsFormMixin, forms.Form):
    """Type, status, nationality and a number of days: no personal data, so these filters
    may travel in the query string (names and numbers never do)."""

    type = forms.ChoiceField(
        label=_("Violation"),
        required=False,
        choices=_blank(_("Any")) + list(ViolationType.choices),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank(_("Any")) + list(ViolationStatus.choices),
    )
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    min_days = forms.IntegerField(
        label=_("Overstay of at least (days)"),
        required=False,
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    FILTERS = ("type", "status", "nationality", "min_days")
    DEFAULTS = {"type": ViolationType.OVERSTAY.value, "status": ViolationStatus.OPEN.value}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("nationality").choices = _blank(str(_("Any"))) + country_choices()


class TokenCreateForm(UswdsFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “nightly report script”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Grant only what the script needs."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        initial=90,
        choices=[
            (7, _("7 days")),
            (30, _("30 days")),
            (90, _("90 days")),
            (180, _("180 days")),
            (366, _("1 year")),
        ],
    )
