"""Forms of the portal's online applications, tracking and card verification. They parse
input for the permit and case services and carry their errors back: the application
form is built from the policy pack's options (``permits.selectors.application_options``),
so a tier, a term or a document added to the pack appears here without a code change.
Eligibility is the services'; only the shape of the input is checked here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from umis.backoffice.forms import DateInput, UswdsFormMixin, country_choices
from umis.permits.rules import parse_term
from umis.permits.selectors import ApplicationOptions, TierOption
from umis.portal.views import _tier_label, _unit_text
from umis.registry.constants import Sex

# What a scanned document may be (the case engine checks the bytes; this only helps the
# browser's file picker).
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
DOCUMENT_PREFIX = "doc_"
REASONS = {"lost": _("The card was lost or stolen"), "damaged": _("The card is damaged")}
_TERM_UNITS = {"d": "days", "m": "months", "y": "years"}


def _blank(label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label)]


def new_key() -> str:
    """A fresh idempotency key: one per rendered form, so a double submit acts once."""
    return uuid.uuid4().hex


def term_label(code: str) -> str:
    """The term code as words: 1y -> "1 year", 30d -> "30 days" (active language)."""
    term = parse_term(code)
    if term is None:
        return code
    return _unit_text(term.amount, _TERM_UNITS[term.unit])


def _money(amount: Any, currency: str) -> str:
    return f"{amount} {currency}"


def tier_choice_label(tier: TierOption, terms: Sequence[str] = ()) -> str:
    """A tier as one line: Standard adult — 20 working days — 3 months: 30 AZN; ...
    (only the ``terms`` the form offers, when it offers a choice of term)."""
    if list(tier.amounts) == [""]:
        fee = _money(tier.amounts[""], tier.currency)
    else:
        fee = "; ".join(
            f"{term_label(v)}: {_money(a, tier.currency)}"
            for v, a in tier.amounts.items()
            if not terms or v in terms
        )
    parts = [_tier_label(tier.code)]
    if tier.working_days:
        parts.append(
            ngettext("%(n)d working day", "%(n)d working days", tier.working_days)
            % {"n": tier.working_days}
        )
    parts.append(fee)
    return " — ".join(parts)


def validate_phone(value: str) -> str:
    """The number in E.164, or a ValidationError saying what is wrong."""
    text = "".join(value.split())
    if not text.startswith("+"):
        raise forms.ValidationError(
            _("Enter the number in international format: +, country code, number."),
            code="e164",
        )
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(_("This is not a valid phone number."), code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ApplicationForm(UswdsFormMixin, forms.Form):
    """One application for one service. Fields the service does not use are removed in
    ``__init__`` (no ground for a work permit, no employer for a residence permit...)."""

    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)
    fee_tier = forms.ChoiceField(label=_("Fee and processing time"), widget=forms.RadioSelect)
    variant = forms.ChoiceField(label=_("Term"))
    ground = forms.ChoiceField(label=_("Ground of the permit"))
    employer = forms.ChoiceField(label=_("Employer"))
    position = forms.CharField(label=_("Position"), max_length=200)
    permit = forms.ChoiceField(label=_("Permit whose card is replaced"), required=False)
    reason = forms.ChoiceField(label=_("What happened to the card?"), widget=forms.RadioSelect)
    family_name = forms.CharField(
        label=_("Family name"), max_length=150, help_text=_("As in the passport.")
    )
    given_names = forms.CharField(label=_("Given names"), max_length=150, required=False)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    sex = forms.ChoiceField(label=_("Sex"), choices=_blank() + list(Sex.choices))
    nationality = forms.ChoiceField(label=_("Nationality"))
    passport_number = forms.CharField(
        label=_("Passport number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    passport_issuing_state = forms.ChoiceField(label=_("Issuing state of the passport"))
    passport_expiry = forms.DateField(label=_("Passport valid until"), widget=DateInput())
    contact_email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("We write to this address when the application moves on."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        required=False,
        max_length=30,
        help_text=_("International format, e.g. +994501234567: for text messages."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    IDENTITY = (
        "family_name",
        "given_names",
        "birth_date",
        "sex",
        "nationality",
        "passport_number",
        "passport_issuing_state",
        "passport_expiry",
    )

    def __init__(
        self,
        *args: Any,
        options: ApplicationOptions,
        employers: Sequence[tuple[str, str]] = (),
        permits: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        service = options.service
        extension = service.code.endswith("_extension")
        self.fields["idempotency_key"].initial = new_key()

        self._choices("fee_tier").choices = [
            (t.code, tier_choice_label(t, options.variants)) for t in options.tiers
        ]
        if len(options.tiers) == 1:
            self.fields["fee_tier"].initial = options.tiers[0].code
        # A card replacement's fee follows the permit's kind: the service picks the tier.
        if options.reasons or not options.tiers:
            del self.fields["fee_tier"]

        if options.variants:
            self._choices("variant").choices = _blank() + [
                (v, term_label(v)) for v in options.variants
            ]
        else:
            del self.fields["variant"]

        if options.grounds:
            self._choices("ground").choices = _blank() + list(options.grounds)
            if extension:  # the current permit's ground carries over
                self.fields["ground"].required = False
                self.fields["ground"].help_text = _(
                    "Leave empty to keep the ground of your current permit."
                )
        else:
            del self.fields["ground"]

        if service.audience == "employer":
            self._choices("employer").choices = _blank() + list(employers)
            self.fields["employer"].help_text = _("The organisation you act for.")
            if extension:  # the current permit's position carries over
                self.fields["position"].required = False
                self.fields["position"].help_text = _(
                    "Leave empty to keep the position of the current permit."
                )
        else:
            del self.fields["employer"]
            del self.fields["position"]

        if options.reasons:
            self._choices("reason").choices = [(r, str(REASONS.get(r, r))) for r in options.reasons]
            self._choices("permit").choices = [
                ("", _("The valid residence permit of the passport holder")),
                *permits,
            ]
        else:
            del self.fields["reason"]
            del self.fields["permit"]

        countries = _blank() + country_choices()
        self._choices("nationality").choices = countries
        self._choices("passport_issuing_state").choices = countries

        for code, name, optional in options.documents:
            self.fields[DOCUMENT_PREFIX + code] = forms.FileField(
                label=name,
                required=not optional,
                help_text=_("PDF, JPEG or PNG.")
                if not optional
                else _("PDF, JPEG or PNG; only if it applies to you."),
                widget=forms.ClearableFileInput(
                    attrs={"accept": ACCEPT, "class": "usa-file-input"}
                ),
            )

    # --- groups for the template's fieldsets ---------------------------------------------

    def _present(self, names: Sequence[str]) -> list[forms.BoundField]:
        return [self[n] for n in names if n in self.fields]

    @property
    def request_fields(self) -> list[forms.BoundField]:
        return self._present(("fee_tier", "variant", "ground", "permit", "reason"))

    @property
    def employer_fields(self) -> list[forms.BoundField]:
        return self._present(("employer", "position"))

    @property
    def identity_fields(self) -> list[forms.BoundField]:
        return self._present(self.IDENTITY)

    @property
    def contact_fields(self) -> list[forms.BoundField]:
        return self._present(("contact_email", "contact_phone"))

    @property
    def document_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in self.fields if n.startswith(DOCUMENT_PREFIX)]

    def document_codes(self) -> list[str]:
        return [
            n.removeprefix(DOCUMENT_PREFIX) for n in self.fields if n.startswith(DOCUMENT_PREFIX)
        ]

    def clean_passport_number(self) -> str:
        return "".join(self.cleaned_data["passport_number"].split()).upper()

    def clean_contact_phone(self) -> str:
        value = self.cleaned_data.get("contact_phone") or ""
        return validate_phone(value) if value.strip() else ""

    def field_for(self, service_field: str) -> str | None:
        """The form field a service's error names ("identity.passport_expiry",
        "documents.photos", "employer_id"), or None for the error summary."""
        name = service_field
        if name.startswith("identity."):
            name = name.removeprefix("identity.")
        elif name.startswith("documents."):
            name = DOCUMENT_PREFIX + name.removeprefix("documents.")
        else:
            name = {"employer_id": "employer", "permit_id": "permit"}.get(name, name)
        return name if name in self.fields else None


class DocumentUploadForm(UswdsFormMixin, forms.Form):
    """A document the officer asked for, sent to an open case."""

    code = forms.ChoiceField(label=_("Which document is it?"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(
        self, *args: Any, documents: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("code").choices = _blank() + list(documents)


class CaseActionForm(forms.Form):
    """A workflow action the applicant fires (withdraw, documents sent): the version the
    page showed and a key that makes a repeated click harmless."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)


class TrackForm(UswdsFormMixin, forms.Form):
    number = forms.CharField(
        label=_("Application number"),
        max_length=30,
        help_text=_("As in the receipt, e.g. TRP-2026-000123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    passport_number = forms.CharField(
        label=_("Passport number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())


class VerifyForm(UswdsFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Code of the card"),
        max_length=2000,
        help_text=_(
            "Scan the QR code of the card with a phone camera, or paste the text it holds "
            "(a web address ending in /verify/…/)."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
