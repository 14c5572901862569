from django.contrib import admin

from confide.scheduling.models import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    JurisdictionRule,
    SchedulingPolicy,
    WaitlistEntry,
    WeeklyHours,
)


@admin.register(JurisdictionRule)
class JurisdictionRuleAdmin(admin.ModelAdmin):
    """Staff keep telehealth rules current here (data with effective dates)."""

    list_display = ("jurisdiction", "kind", "modality", "effective_from", "effective_until")
    list_filter = ("kind", "modality", "jurisdiction")


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Times and status only; the note and cancellation reason (PHI) are not shown in the admin."""

    list_display = ("id", "start_at", "status", "kind", "modality")
    list_filter = ("status", "kind", "modality")
    exclude = ("note", "cancel_reason")
    readonly_fields = ("client", "therapist", "appointment_type", "start_at", "end_at", "sequence")


admin.site.register([AppointmentType, AvailabilityException, SchedulingPolicy, WaitlistEntry, WeeklyHours])
