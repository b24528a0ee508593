"""Back-office forms for case work. They parse what the page posts and carry errors back;
the rules (which action is allowed, which grounds a refusal needs, whether a receipt is
new) are the case services', whose field errors `apply_errors` puts on these fields."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from umis.backoffice.forms import DateInput, UswdsFormMixin
from umis.core.constants import Role
from umis.core.models import User

_RELOAD = _("The page is incomplete; reload the case and try again.")


class VersionForm(forms.Form):
    """The case version the page showed: a write based on an older one is refused (409)."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": _RELOAD, "invalid": _RELOAD, "min_value": _RELOAD},
    )


class TransitionForm(UswdsFormMixin, VersionForm):
    """The decision form. The pressed button names the action; `idempotency_key` is made
    when the page is rendered, so a double-submitted form fires the action once."""

    action = forms.CharField(
        max_length=40,
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose what to do with one of the buttons.")},
    )
    idempotency_key = forms.CharField(
        max_length=100,
        widget=forms.HiddenInput,
        error_messages={"required": _RELOAD, "max_length": _RELOAD},
    )
    grounds = forms.MultipleChoiceField(
        label=_("Legal grounds for the refusal"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every ground that applies; a refusal needs at least one."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Recorded in the history. When you request documents, say which ones: the "
            "applicant is told."
        ),
    )

    def __init__(
        self, *args: Any, grounds: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("grounds").choices = grounds or []

    @classmethod
    def fresh(
        cls, *, version: int, grounds: list[tuple[str, str]], note: str = ""
    ) -> TransitionForm:
        """An unbound form for the case as it is now, with a new idempotency key."""
        return cls(
            initial={
                "expected_version": version,
                "idempotency_key": uuid.uuid4().hex,
                "note": note,
            },
            grounds=grounds,
        )


class PaymentForm(UswdsFormMixin, forms.Form):
    """The bank receipt of one payment order; each order's form has its own prefix, so
    several orders can be shown on one page."""

    receipt_number = forms.CharField(
        label=_("Receipt number"),
        max_length=60,
        help_text=_("As printed on the bank's or payment terminal's receipt."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    paid_on = forms.DateField(
        label=_("Paid on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for today."),
    )

    @staticmethod
    def prefix_for(order_number: str) -> str:
        return f"pay-{order_number}"


class ReassignForm(UswdsFormMixin, VersionForm):
    officer = forms.ChoiceField(label=_("New officer"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the case history, e.g. “officer on leave until 15 May”."),
    )

    def __init__(self, *args: Any, office_id: Any, exclude: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officers = (
            User.objects.filter(role=Role.OFFICER, office_id=office_id, is_active=True)
            .exclude(pk=exclude)
            .order_by("last_name", "first_name", "username")
        )
        self._choices("officer").choices = [("", "—")] + [
            (str(u.pk), officer_label(u)) for u in officers
        ]


class PermitRevokeForm(UswdsFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with the permit, e.g. “employment ended on 1 March”."),
    )


def officer_label(user: User) -> str:
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username
