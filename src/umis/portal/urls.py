from django.urls import path

from umis.portal import apply, host, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("registration-deadline/", views.registration_deadline, name="registration_deadline"),
    path("services/<slug:code>/", views.service_detail, name="service_detail"),
    # The host area (hotels, landlords): members of a host organisation only.
    path("host/", host.host_home, name="host_home"),
    path("host/guests-template.csv", host.host_csv_template, name="host_csv_template"),
    path("host/tokens/", host.host_tokens, name="host_tokens"),
    path("host/tokens/<uuid:token_id>/revoke/", host.host_token_revoke, name="host_token_revoke"),
    path("host/<uuid:organisation_id>/", host.host_guests, name="host_guests"),
    path("host/<uuid:organisation_id>/register/", host.host_register, name="host_register"),
    path("host/<uuid:organisation_id>/upload/", host.host_upload, name="host_upload"),
    path(
        "host/<uuid:organisation_id>/registrations/<uuid:registration_id>/end/",
        host.host_deregister,
        name="host_deregister",
    ),
    # Online applications (issue #4): signed-in public accounts.
    path("apply/", apply.apply_index, name="apply_index"),
    path("apply/<slug:service>/", apply.apply, name="apply"),
    path("my/applications/", apply.my_applications, name="my_applications"),
    path("my/applications/<uuid:case_id>/", apply.my_case, name="my_case"),
    path("my/applications/<uuid:case_id>/upload/", apply.my_case_upload, name="my_case_upload"),
    path(
        "my/applications/<uuid:case_id>/documents-sent/",
        apply.my_case_documents_sent,
        name="my_case_documents_sent",
    ),
    path(
        "my/applications/<uuid:case_id>/withdraw/", apply.my_case_withdraw, name="my_case_withdraw"
    ),
    path(
        "my/applications/<uuid:case_id>/issued/<uuid:document_id>/<str:language>.pdf",
        apply.my_case_document_pdf,
        name="my_case_document_pdf",
    ),
    path(
        "my/applications/<uuid:case_id>/decision/<str:language>.pdf",
        apply.my_case_decision_pdf,
        name="my_case_decision_pdf",
    ),
    # Public, no sign-in: tracking by number + passport + birth date; QR verification.
    path("track/", apply.track, name="track"),
    path("verify/", apply.verify_card, name="verify"),
    path("verify/<str:token>/", apply.verify_card, name="verify_token"),
]
