from django.urls import path, register_converter

from confide.intake import views
from confide.intake.converters import MeasureConverter

register_converter(MeasureConverter, "measure")

urlpatterns = [
    path("intake/", views.intake_home, name="intake_home"),
    path("intake/questionnaire/", views.intake_questionnaire_view, name="intake_questionnaire"),
    path("intake/consent/", views.consent_view, name="intake_consent"),
    path("intake/emergency-plan/", views.emergency_plan_view, name="intake_emergency_plan"),
    path("intake/check-in/<measure:key>/", views.measure_view, name="intake_measure"),
    path("intake/progress/", views.my_progress, name="intake_progress"),
    path("intake/measures/<uuid:response_id>/fhir/", views.measure_fhir, name="intake_measure_fhir"),
    path("clients/<uuid:client_id>/intake/", views.client_intake, name="client_intake"),
    path("clients/<uuid:client_id>/progress/", views.client_progress, name="client_progress"),
    path("clients/<uuid:client_id>/measure-schedule/", views.client_measure_schedule, name="client_measure_schedule"),
]
