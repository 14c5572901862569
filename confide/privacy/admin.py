"""The audit log is readable (never editable) in the admin; emergency accesses are listed."""

from django.contrib import admin

from confide.privacy.models import AuditEvent, EmergencyAccess


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_ref", "action", "object_type", "object_id", "outcome", "ip"]
    list_filter = ["outcome", "action"]
    search_fields = ["actor_ref", "subject_ref", "object_id", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(admin.ModelAdmin):
    list_display = ["created_at", "staff", "expires_at", "reviewed_at"]
    readonly_fields = [f.name for f in EmergencyAccess._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
