from django.urls import path

from umis.backoffice import views, views_cases, views_identity, views_rights, views_watchlist

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("persons/", views.person_search, name="person_search"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<uuid:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<uuid:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<uuid:person_id>/address/", views.address_change, name="address_change"),
    path("persons/<uuid:person_id>/names/new/", views.name_add, name="name_add"),
    path(
        "persons/<uuid:person_id>/nationalities/new/",
        views.nationality_add,
        name="nationality_add",
    ),
    path(
        "persons/<uuid:person_id>/nationalities/<int:nationality_id>/end/",
        views.nationality_end,
        name="nationality_end",
    ),
    path("persons/<uuid:person_id>/documents/new/", views.document_add, name="document_add"),
    path(
        "persons/<uuid:person_id>/documents/prefill/",
        views.document_prefill,
        name="document_prefill",
    ),
    path(
        "persons/<uuid:person_id>/documents/<uuid:document_id>/flag/",
        views.document_flag,
        name="document_flag",
    ),
    path("persons/<uuid:person_id>/photo/", views.photo_upload, name="photo_upload"),
    path(
        "persons/<uuid:person_id>/registrations/new/",
        views.registration_create,
        name="registration_create",
    ),
    path(
        "persons/<uuid:person_id>/registrations/<uuid:registration_id>/end/",
        views.registration_end,
        name="registration_end",
    ),
    path("persons/<uuid:person_id>/stay-rights/", views_rights.stay_rights, name="stay_rights"),
    path("persons/<uuid:person_id>/visas/new/", views_rights.visa_add, name="visa_add"),
    path(
        "persons/<uuid:person_id>/visas/<uuid:visa_id>/revoke/",
        views_rights.visa_revoke,
        name="visa_revoke",
    ),
    path(
        "persons/<uuid:person_id>/permits/new/",
        views_rights.permit_period_add,
        name="permit_period_add",
    ),
    path(
        "persons/<uuid:person_id>/permits/<uuid:permit_id>/end/",
        views_rights.permit_period_end,
        name="permit_period_end",
    ),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("organisations/", views.organisation_search, name="organisation_search"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path(
        "organisations/<uuid:organisation_id>/",
        views.organisation_detail,
        name="organisation_detail",
    ),
    path(
        "organisations/<uuid:organisation_id>/edit/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "organisations/<uuid:organisation_id>/host-access/",
        views.host_access_grant,
        name="host_access_grant",
    ),
    path(
        "organisations/<uuid:organisation_id>/host-access/<int:member_id>/revoke/",
        views.host_access_revoke,
        name="host_access_revoke",
    ),
    path("border/check/", views.border_check, name="border_check"),
    # Watch list: entry bans and invalid documents (views_watchlist.py).
    path("watchlist/bans/", views_watchlist.entry_ban_list, name="entry_ban_list"),
    path("watchlist/bans/new/", views_watchlist.entry_ban_create, name="entry_ban_create"),
    path("watchlist/bans/import/", views_watchlist.entry_ban_import, name="entry_ban_import"),
    path(
        "watchlist/bans/<uuid:ban_id>/", views_watchlist.entry_ban_detail, name="entry_ban_detail"
    ),
    path(
        "watchlist/bans/<uuid:ban_id>/lift/", views_watchlist.entry_ban_lift, name="entry_ban_lift"
    ),
    path(
        "watchlist/invalid-documents/",
        views_watchlist.invalid_document_list,
        name="invalid_document_list",
    ),
    path(
        "watchlist/invalid-documents/new/",
        views_watchlist.invalid_document_add,
        name="invalid_document_add",
    ),
    path(
        "watchlist/invalid-documents/import/",
        views_watchlist.invalid_document_import,
        name="invalid_document_import",
    ),
    path(
        "watchlist/invalid-documents/<int:invalid_document_id>/remove/",
        views_watchlist.invalid_document_remove,
        name="invalid_document_remove",
    ),
    path(
        "worklists/violations/",
        views.violation_worklist_view,
        name="violation_worklist",
    ),
    path(
        "worklists/violations.csv",
        views.violation_worklist_csv,
        name="violation_worklist_csv",
    ),
    # One-stop-shop case work (views_cases.py).
    path("cases/", views_cases.case_queue_view, name="case_queue"),
    path("cases/deadlines/", views_cases.case_deadlines, name="case_deadlines"),
    path("cases/<uuid:case_id>/", views_cases.case_detail, name="case_detail"),
    path("cases/<uuid:case_id>/action/", views_cases.case_action, name="case_action"),
    path("cases/<uuid:case_id>/checks/", views_cases.case_checks, name="case_checks"),
    path(
        "cases/<uuid:case_id>/payments/<uuid:order_id>/",
        views_cases.case_payment,
        name="case_payment",
    ),
    path(
        "cases/<uuid:case_id>/documents/<uuid:document_id>/",
        views_cases.case_document,
        name="case_document",
    ),
    path(
        "cases/<uuid:case_id>/issued/<uuid:document_id>.pdf",
        views_cases.case_issued_pdf,
        name="case_issued_pdf",
    ),
    path(
        "cases/<uuid:case_id>/decision.pdf",
        views_cases.case_decision_pdf,
        name="case_decision_pdf",
    ),
    path("cases/<uuid:case_id>/reassign/", views_cases.case_reassign_view, name="case_reassign"),
    path(
        "cases/<uuid:case_id>/permit/revoke/",
        views_cases.case_permit_revoke,
        name="case_permit_revoke",
    ),
    # Duplicate review, merges and unmerges (views_identity.py).
    path("duplicates/", views_identity.duplicate_queue, name="duplicate_queue"),
    path(
        "duplicates/<uuid:candidate_id>/",
        views_identity.duplicate_compare,
        name="duplicate_compare",
    ),
    path("merges/awaiting/", views_identity.merge_confirmations, name="merge_confirmations"),
    path("merges/<uuid:merge_id>/confirm/", views_identity.merge_confirm, name="merge_confirm"),
    path("merges/<uuid:merge_id>/reject/", views_identity.merge_reject, name="merge_reject"),
    path("merges/<uuid:merge_id>/unmerge/", views_identity.merge_unmerge, name="merge_unmerge"),
    path("persons/<uuid:person_id>/merges/", views_identity.person_merges, name="person_merges"),
    path(
        "persons/<uuid:person_id>/duplicate/",
        views_identity.duplicate_report,
        name="duplicate_report",
    ),
    path("audit/", views.audit_log, name="audit_search"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
