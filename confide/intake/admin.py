"""Admin: consent versions are managed here (publish a new version → clients re-consent).

Answers, plans and signatures are PHI and deliberately not in the admin.
"""

from django.contrib import admin

from confide.intake.models import ConsentDocument


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "title", "published_at")
    list_filter = ("kind",)
    ordering = ("kind", "-version")

    def get_readonly_fields(self, request, obj=None):
        # A version people have signed must never change under them: publish a new one instead.
        if obj is not None and obj.signatures.exists():
            return ("kind", "version", "title", "body", "published_at")
        return ()
