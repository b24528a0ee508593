from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from umis.core.models import Country


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
