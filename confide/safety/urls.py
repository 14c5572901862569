from django.urls import path

from confide.safety import views

urlpatterns = [
    path("help/now/", views.help_now, name="safety_help_now"),
    path("safety/alerts/", views.alerts, name="safety_alerts"),
    path("safety/alerts/badge/", views.alert_badge, name="safety_alert_badge"),
    path("safety/events/<uuid:event_id>/", views.event_detail, name="safety_event"),
    path("safety/events/<uuid:event_id>/close/", views.event_close, name="safety_event_close"),
    path("safety/on-call/", views.on_call, name="safety_on_call"),
]
