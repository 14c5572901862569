"""Background work for safety: alert e-mails without PHI."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

SUBJECT = "A client needs your attention"
BODY = "A client on Confide needs your attention. Sign in to see details.\n\n{link}\n"


def alert_email_text() -> tuple[str, str]:
    """Subject and body: the same words for every alert — no name, score or text, ever."""
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    return prefix + SUBJECT, BODY.format(link=settings.SITE_URL + reverse("safety_alerts"))


@task()
def send_safety_alert_email(alert_id: str) -> None:
    from confide.safety.models import Alert

    alert = Alert.objects.select_related("recipient").filter(pk=alert_id, emailed_at__isnull=True).first()
    if alert is None or not alert.recipient.is_active:
        return
    subject, body = alert_email_text()
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [alert.recipient.email])
    Alert.objects.filter(pk=alert.pk).update(emailed_at=timezone.now())
