"""What each dashboard shows. Apps add their sections here as they land."""

from __future__ import annotations

from django.http import HttpRequest

from confide.accounts.models import CareRelationship, Role


def dashboard_context(request: HttpRequest) -> dict[str, object]:
    user = request.user
    context: dict[str, object] = {}
    if user.role == Role.CLIENT:
        context["therapists"] = list(
            CareRelationship.objects.filter(client=user, status="active").select_related("therapist")
        )
    elif user.role == Role.THERAPIST:
        context["caseload"] = list(
            CareRelationship.objects.filter(therapist=user, status="active").select_related("client")
        )
    elif user.role == Role.STAFF:
        from confide.privacy.models import EmergencyAccess

        context["unreviewed"] = EmergencyAccess.objects.filter(reviewed_at__isnull=True).exclude(staff=user).count()
    return context
