from django.urls import path

from umis.backoffice import views

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
    path("border/check/", views.border_check, name="border_check"),
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
    path("audit/", views.audit_log, name="audit_search"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
