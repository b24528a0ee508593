from django.urls import path

from umis.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("registration-deadline/", views.registration_deadline, name="registration_deadline"),
    path("services/<slug:code>/", views.service_detail, name="service_detail"),
]
