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
        context["setup"] = practice_setup(user)
    elif user.role == Role.STAFF:
        from confide.privacy.models import EmergencyAccess

        context["unreviewed"] = EmergencyAccess.objects.filter(reviewed_at__isnull=True).exclude(staff=user).count()
    return context


def practice_setup(therapist) -> dict[str, bool]:
    """Which first steps a therapist has done, so the checklist stops asking for what is already there."""
    from django.apps import apps

    done = {"licences": False, "verified": False, "hours": False, "types": False}
    if apps.is_installed("confide.directory"):
        from confide.directory.models import Licence

        statuses = set(Licence.objects.filter(therapist=therapist).values_list("status", flat=True))
        done["licences"] = bool(statuses)
        done["verified"] = Licence.Status.VERIFIED in statuses
    if apps.is_installed("confide.scheduling"):
        from confide.scheduling.models import AppointmentType, WeeklyHours

        done["hours"] = WeeklyHours.objects.filter(therapist=therapist).exists()
        done["types"] = AppointmentType.objects.filter(therapist=therapist, active=True).exists()
    return done
