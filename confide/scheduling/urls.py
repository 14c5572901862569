from django.urls import path

from confide.scheduling import views

urlpatterns = [
    path("book/", views.choose_therapist, name="book"),
    path("book/<uuid:therapist_id>/", views.book_with_therapist, name="book_with_therapist"),
    path("book/<uuid:therapist_id>/confirm/", views.book_confirm, name="book_confirm"),
    path("book/<uuid:therapist_id>/waitlist/", views.waitlist_join, name="waitlist_join"),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/<uuid:appointment_id>/", views.appointment_detail, name="appointment_detail"),
    path("appointments/<uuid:appointment_id>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<uuid:appointment_id>/reschedule/", views.appointment_reschedule, name="appointment_reschedule"),
    path("appointments/<uuid:appointment_id>/status/", views.appointment_status, name="appointment_status"),
    path("appointments/<uuid:appointment_id>/calendar.ics", views.appointment_ics, name="appointment_ics"),
    path("waitlist/<uuid:entry_id>/", views.waitlist_offer, name="waitlist_offer"),
    path("calendar/", views.calendar_feed_settings, name="calendar_feed_settings"),
    path("calendar/feed/<str:secret>.ics", views.calendar_feed, name="calendar_feed"),
    path("schedule/", views.schedule_week, name="schedule_week"),
    path("schedule/hours/", views.schedule_hours, name="schedule_hours"),
    path("schedule/time-off/", views.schedule_time_off, name="schedule_time_off"),
    path(
        "schedule/time-off/<uuid:exception_id>/delete/", views.schedule_time_off_delete, name="schedule_time_off_delete"
    ),
    path("schedule/settings/", views.schedule_settings, name="schedule_settings"),
]
