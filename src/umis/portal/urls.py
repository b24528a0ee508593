from django.urls import path

from umis.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/<slug:code>/", views.service_detail, name="service_detail"),
]
