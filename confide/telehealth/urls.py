from django.urls import path

from confide.telehealth import views

urlpatterns = [
    path("visits/<uuid:appointment_id>/", views.visit_room, name="visit_room"),
    path("visits/<uuid:appointment_id>/start/", views.visit_start, name="visit_start"),
    path("visits/<uuid:appointment_id>/end/", views.visit_end, name="visit_end"),
    path("visits/<uuid:appointment_id>/backup-phone/", views.visit_backup_phone, name="visit_backup_phone"),
]
