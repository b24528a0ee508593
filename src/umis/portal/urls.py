from django.urls import path

from umis.portal import host, views

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
]
