"""Admin: the on-call roster only. Safety events hold PHI and are handled in the app, audited."""

from django.contrib import admin

from confide.safety.models import OnCallShift


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ("staff", "starts_at", "ends_at")
    raw_id_fields = ("staff",)
