"""Admin: taxonomies, licence types and compact members are data staff maintain here.

Licence verification has its own audited page (/staff/licences/); here licences
are read-only so no decision bypasses the audit log. Matching answers (PHI) are
not registered at all.
"""

from django.contrib import admin

from confide.directory import models


class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "active", "position"]
    list_editable = ["active", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}


for term_model in (
    models.Specialty,
    models.Approach,
    models.Population,
    models.Competency,
    models.Language,
    models.Modality,
    models.InsurancePayer,
):
    admin.site.register(term_model, TermAdmin)


@admin.register(models.LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "is_psychologist"]
    list_filter = ["country", "is_psychologist"]


class CompactMemberInline(admin.TabularInline):
    model = models.CompactMember
    extra = 1


@admin.register(models.Compact)
class CompactAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    inlines = [CompactMemberInline]


@admin.register(models.TherapistProfile)
class TherapistProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "slug", "accepting_new_clients", "hidden", "soonest_open_at"]
    list_filter = ["hidden", "accepting_new_clients"]
    search_fields = ["display_name", "slug"]
    readonly_fields = [f.name for f in models.TherapistProfile._meta.concrete_fields]

    def has_add_permission(self, request):
        return False


@admin.register(models.Licence)
class LicenceAdmin(admin.ModelAdmin):
    list_display = ["therapist", "licence_type", "jurisdiction", "status", "expires_on"]
    list_filter = ["status", "licence_type"]
    readonly_fields = [f.name for f in models.Licence._meta.concrete_fields]

    def has_add_permission(self, request):
        return False
