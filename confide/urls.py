"""HTTP routes. Every app owns its urls.py; nothing here but the mounting."""

from django.contrib import admin
from django.urls import include, path

from confide.api import api
from confide.core import views as core_views

admin.site.site_header = "Confide administration"
admin.site.site_title = "Confide admin"

handler400 = "confide.core.views.error_400"
handler403 = "confide.core.views.error_403"
handler404 = "confide.core.views.error_404"
handler500 = "confide.core.views.error_500"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("privacy/", core_views.privacy_and_security, name="privacy"),
    path("help/", core_views.get_help, name="get_help"),
    path("dashboard/", core_views.dashboard, name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("confide.accounts.urls")),
    path("", include("confide.directory.urls")),
    path("", include("confide.safety.urls")),
    path("", include("confide.intake.urls")),
    path("", include("confide.scheduling.urls")),
    path("", include("confide.messaging.urls")),
    path("", include("confide.telehealth.urls")),
]
