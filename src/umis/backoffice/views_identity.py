"""Back office: the duplicate review. The queue of suspected duplicates, the side-by-side
comparison with "same person — merge" and "not the same person", the supervisor's list
of merges awaiting confirmation, a person's merge history and the unmerge. Thin: parse
with a form, call identity/merge.py or identity/review.py, render."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from umis.backoffice.forms import UswdsFormMixin, apply_errors
from umis.backoffice.views import _actor, _purpose, office_view
from umis.core.errors import ApplicationError, Forbidden, NotFound
from umis.core.pagination import paginate
from umis.core.permissions import Perm, has_perm
from umis.identity import merge as services
from umis.identity import review
from umis.identity.models import CandidateOrigin, CandidateStatus, MergeStatus
from umis.registry.selectors import person_get

PAGE_SIZE = 25

EVIDENCE_LABELS = {
    "family_name": gettext_lazy("Family name"),
    "given_names": gettext_lazy("Given names"),
    "patronymic": gettext_lazy("Patronymic"),
    "birth_date": gettext_lazy("Birth date"),
    "sex": gettext_lazy("Sex"),
    "nationality": gettext_lazy("Nationality"),
    "document": gettext_lazy("Identity document"),
}
COUNT_LABELS = {
    "border_events": gettext_lazy("Border crossings"),
    "registrations": gettext_lazy("Registrations at the place of stay"),
    "visas": gettext_lazy("Visas"),
    "permit_periods": gettext_lazy("Permit periods"),
    "permits": gettext_lazy("Permits issued"),
    "cases": gettext_lazy("Cases"),
    "violations": gettext_lazy("Violations"),
    "entry_bans": gettext_lazy("Entry bans"),
}


class MergeForm(UswdsFormMixin, forms.Form):
    keep = forms.ChoiceField(
        label=_("Which record is kept"),
        choices=[("a", "A"), ("b", "B")],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why they are the same person"),
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept with the merge, e.g. “same passport number, same photo”."),
    )


class DismissForm(UswdsFormMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why they are two people"),
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("e.g. “twins: different passports, same birth date”."),
    )


class ReasonForm(UswdsFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(UswdsFormMixin, forms.Form):
    other_personal_number = forms.CharField(
        label=gettext_lazy("Personal number (FIN) of the other record"),
        max_length=7,
        help_text=gettext_lazy("The record you think belongs to the same person."),
    )


@office_view(Perm.PERSON_MERGE)
@require_http_methods(["GET", "POST"])
def duplicate_report(request: HttpRequest, person_id: uuid.UUID) -> HttpResponseBase:
    """ "Report a duplicate" from a person's page: the pair goes to the queue and the
    officer lands on its comparison."""
    actor = _actor(request)
    person = person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                candidate = services.candidate_report(
                    actor=actor,
                    person_id=person.pk,
                    other_personal_number=form.cleaned_data["other_personal_number"],
                )
            except (Forbidden, NotFound):
                raise
            except ApplicationError as exc:
                status = exc.status
                apply_errors(form, exc)
            else:
                return redirect("backoffice:duplicate_compare", candidate_id=candidate.pk)
    return render(
        request,
        "backoffice/identity/report.html",
        {"person": person, "form": form},
        status=status,
    )


@office_view(Perm.PERSON_MERGE)
@require_GET
def duplicate_queue(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    origin = request.GET.get("origin", "")
    if origin not in CandidateOrigin.values:
        origin = ""
    try:
        page_no = int(request.GET.get("page", "1"))
    except ValueError:
        page_no = 1
    results = paginate(review.duplicate_queue(actor=actor, origin=origin), page_no, PAGE_SIZE)
    return render(
        request,
        "backoffice/identity/queue.html",
        {
            "results": results,
            "origin": origin,
            "origins": [("", _("All"))] + [(o.value, o.label) for o in CandidateOrigin],
            "can_confirm": has_perm(actor, Perm.CASE_SUPERVISE),
        },
    )


def _compare_context(request: HttpRequest, candidate_id: uuid.UUID) -> dict[str, Any]:
    actor = _actor(request)
    candidate = review.duplicate_get(actor=actor, candidate_id=candidate_id)
    comparison = review.person_comparison(
        actor=actor,
        a_id=candidate.person_a_id,
        b_id=candidate.person_b_id,
        candidate=candidate,
        purpose=_purpose(request),
    )
    evidence = [
        {
            "field": EVIDENCE_LABELS.get(str(e.get("field", "")), e.get("field", "")),
            "level": e.get("level", ""),
            "weight": e.get("weight"),
        }
        for e in candidate.evidence
        if isinstance(e, dict)
    ]
    counts = [
        (label, comparison.a.counts.get(key, 0), comparison.b.counts.get(key, 0))
        for key, label in COUNT_LABELS.items()
    ]
    return {
        "candidate": candidate,
        "cmp": comparison,
        "a": comparison.a,
        "b": comparison.b,
        "evidence": evidence,
        "counts": counts,
        "is_open": candidate.status == CandidateStatus.OPEN,
        "merged_status": CandidateStatus.MERGED,
    }


@office_view(Perm.PERSON_MERGE)
@require_http_methods(["GET", "POST"])
def duplicate_compare(request: HttpRequest, candidate_id: uuid.UUID) -> HttpResponseBase:
    """Side by side; POST "merge" (keep A or B, with a reason) or "dismiss" (a note)."""
    actor = _actor(request)
    merge_form = MergeForm(prefix="merge")
    dismiss_form = DismissForm(prefix="dismiss")
    status = 200
    if request.method == "POST":
        status = 422
        context = _compare_context(request, candidate_id)
        candidate = context["candidate"]
        if "dismiss" in request.POST:
            dismiss_form = DismissForm(request.POST, prefix="dismiss")
            if dismiss_form.is_valid():
                try:
                    services.candidate_dismiss(
                        actor=actor,
                        candidate_id=candidate.pk,
                        note=dismiss_form.cleaned_data["note"],
                    )
                except (Forbidden, NotFound):
                    raise
                except ApplicationError as exc:
                    status = exc.status
                    apply_errors(dismiss_form, exc)
                else:
                    messages.success(request, _("Marked as two different people."))
                    return redirect("backoffice:duplicate_queue")
        else:
            merge_form = MergeForm(request.POST, prefix="merge")
            if merge_form.is_valid():
                keep = merge_form.cleaned_data["keep"]
                survivor, absorbed = (
                    (candidate.person_a, candidate.person_b)
                    if keep == "a"
                    else (candidate.person_b, candidate.person_a)
                )
                try:
                    merge = services.merge_request(
                        actor=actor,
                        survivor_id=survivor.pk,
                        absorbed_id=absorbed.pk,
                        reason=merge_form.cleaned_data["reason"],
                        candidate_id=candidate.pk,
                    )
                except (Forbidden, NotFound):
                    raise
                except ApplicationError as exc:
                    status = exc.status
                    apply_errors(merge_form, exc)
                else:
                    if merge.status == MergeStatus.AWAITING_CONFIRMATION:
                        messages.info(
                            request,
                            _(
                                "A record has a decision: the merge waits for a "
                                "supervisor's confirmation."
                            ),
                        )
                        return redirect("backoffice:duplicate_queue")
                    messages.success(
                        request,
                        _("Record %(absorbed)s was merged into %(survivor)s.")
                        % {
                            "absorbed": absorbed.personal_number,
                            "survivor": survivor.personal_number,
                        },
                    )
                    return redirect("backoffice:person_detail", person_id=survivor.pk)
        # Re-read after a refused decision: the candidate or the records may have moved on.
        context = _compare_context(request, candidate_id)
    else:
        context = _compare_context(request, candidate_id)
    context.update(merge_form=merge_form, dismiss_form=dismiss_form)
    return render(request, "backoffice/identity/compare.html", context, status=status)


@office_view(Perm.CASE_SUPERVISE)
@require_GET
def merge_confirmations(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    merges = list(review.merges_awaiting(actor=actor))
    return render(
        request,
        "backoffice/identity/confirmations.html",
        {"merges": merges, "actor_id": actor.pk},
    )


@office_view(Perm.CASE_SUPERVISE)
@require_POST
def merge_confirm(request: HttpRequest, merge_id: uuid.UUID) -> HttpResponseBase:
    try:
        merge = services.merge_confirm(actor=_actor(request), merge_id=merge_id)
    except Forbidden as exc:
        messages.error(request, exc.detail)  # e.g. one's own request: four eyes
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("The merge was confirmed: %(absorbed)s is now part of %(survivor)s.")
            % {
                "absorbed": merge.absorbed.personal_number,
                "survivor": merge.survivor.personal_number,
            },
        )
    return redirect("backoffice:merge_confirmations")


@office_view(Perm.CASE_SUPERVISE)
@require_POST
def merge_reject(request: HttpRequest, merge_id: uuid.UUID) -> HttpResponseBase:
    form = ReasonForm(request.POST, prefix="reject")
    if not form.is_valid():
        messages.error(request, _("Give the reason for rejecting the merge."))
        return redirect("backoffice:merge_confirmations")
    try:
        services.merge_reject(
            actor=_actor(request), merge_id=merge_id, reason=form.cleaned_data["reason"]
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The merge was rejected; nothing was changed."))
    return redirect("backoffice:merge_confirmations")


@office_view(Perm.PERSON_VIEW)
@require_GET
def person_merges(request: HttpRequest, person_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    person = person_get(actor=actor, person_id=person_id, purpose=_purpose(request))
    return render(
        request,
        "backoffice/identity/history.html",
        {
            "person": person,
            "merges": review.person_merges(actor=actor, person_id=person_id),
            "merged_into": review.merged_into(person_id=person_id),
            "can_merge": has_perm(actor, Perm.PERSON_MERGE),
            "done": MergeStatus.DONE,
        },
    )


@office_view(Perm.PERSON_MERGE)
@require_http_methods(["GET", "POST"])
def merge_unmerge(request: HttpRequest, merge_id: uuid.UUID) -> HttpResponseBase:
    actor = _actor(request)
    merge = review.merge_get(actor=actor, merge_id=merge_id)
    form = ReasonForm(request.POST if request.method == "POST" else None, prefix="unmerge")
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                services.unmerge(actor=actor, merge_id=merge.pk, reason=form.cleaned_data["reason"])
            except NotFound:
                raise
            except ApplicationError as exc:
                status = exc.status
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The merge was undone: %(absorbed)s is a separate record again.")
                    % {"absorbed": merge.absorbed.personal_number},
                )
                return redirect("backoffice:person_detail", person_id=merge.absorbed_id)
    return render(
        request,
        "backoffice/identity/unmerge.html",
        {"merge": merge, "form": form, "is_done": merge.status == MergeStatus.DONE},
        status=status,
    )
