"""The messaging verbs: storage, idempotency, sequence, policies, edits, letters, auto-replies, search, e-mail."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from confide.accounts.models import CareRelationship
from confide.messaging import services
from confide.messaging.models import Conversation, Kind, Message, MessageEdit, ReadState, TherapistMessagingSettings
from confide.messaging.services.notices import deliver_unread_notice
from confide.messaging.tests.conftest import ctx, key
from confide.privacy.models import AuditEvent
from confide.safety.models import Alert, SafetyEvent

pytestmark = pytest.mark.django_db
URGENT = "I want to kill myself tonight"


def send(user, conv, body="hello", **kw):
    return services.send_message(ctx(user), conv, body=body, idempotency_key=kw.pop("k", None) or key(), **kw)


def test_send_stores_ciphertext_only(conversation, client_user):
    result = send(client_user, conversation, "Panic attack at the supermarket again")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_message WHERE id = %s", [result.message.pk.hex])
        row = cursor.fetchone() or cursor.execute("SELECT body FROM messaging_message").fetchone()
    assert row[0].startswith("enc1:")
    assert "Panic" not in row[0]
    assert Message.objects.get().body == "Panic attack at the supermarket again"


def test_retry_with_same_key_returns_original_ack(conversation, client_user):
    first = send(client_user, conversation, "one", k="retry-key-1")
    again = send(client_user, conversation, "one", k="retry-key-1")
    assert (again.created, again.message.pk, again.ack()["seq"]) == (False, first.message.pk, 1)
    assert again.ack()["duplicate"] is True
    assert Message.objects.count() == 1


def test_same_key_from_the_other_person_is_a_different_message(conversation, client_user, therapist):
    send(client_user, conversation, "a", k="shared-key-1")
    send(therapist, conversation, "b", k="shared-key-1")
    assert Message.objects.count() == 2


def test_seq_is_monotonic_and_gapless(conversation, client_user, therapist):
    seqs = [send(u, conversation, f"m{i}").message.seq for i, u in enumerate([client_user, therapist] * 5)]
    assert seqs == list(range(1, 11))
    assert Conversation.objects.get().last_seq == 10


@pytest.mark.parametrize(
    ("body", "kind", "subject", "field"),
    [
        ("", "chat", "", "body"),
        ("x" * 4001, "chat", "", "body"),
        ("letter text", "letter", "", "subject"),
        ("x" * 20_001, "letter", "S", "body"),
        ("half a pair \ud800", "chat", "", "body"),  # JSON can carry it; UTF-8 cannot store it
        ("letter text", "letter", "subject \udfff", "body"),
    ],
)
def test_bad_messages_are_refused_with_a_sentence(conversation, client_user, body, kind, subject, field):
    with pytest.raises(ValidationError) as caught:
        send(client_user, conversation, body, kind=kind, subject=subject)
    assert field in caught.value.message_dict
    assert Message.objects.count() == 0


def test_bad_idempotency_key_is_refused(conversation, client_user):
    with pytest.raises(ValidationError):
        services.send_message(ctx(client_user), conversation, body="hi", idempotency_key="no spaces allowed")


@pytest.mark.parametrize("who", ["other_client", "other_therapist", "staff"])
def test_outsiders_cannot_send_or_read(conversation, who, request):
    outsider = request.getfixturevalue(who)
    with pytest.raises(Http404):
        send(outsider, conversation)
    with pytest.raises(Http404):
        services.open_conversation(ctx(outsider), conversation)
    denied = AuditEvent.objects.filter(outcome=AuditEvent.Outcome.DENIED, action="conversation.open")
    assert denied.count() == 1


def test_staff_have_no_conversations_even_with_break_glass(conversation, staff):
    assert services.conversations_for(staff) == []


def test_ended_care_keeps_history_readable_but_closed(conversation, client_user, therapist):
    send(client_user, conversation, "before the end")
    CareRelationship.objects.update(status=CareRelationship.Status.ENDED, ended_at=timezone.now())
    assert services.open_conversation(ctx(client_user), conversation) == conversation
    assert [m.body for m in services.history(conversation)] == ["before the end"]
    with pytest.raises(Http404):
        send(therapist, conversation, "after the end")


def test_edit_within_five_minutes_keeps_history_and_takes_a_seq(conversation, client_user):
    message = send(client_user, conversation, "first words").message
    edited = services.edit_message(ctx(client_user), message, "better words").message
    assert (edited.body, edited.seq, edited.version_seq) == ("better words", 1, 2)
    assert [e.previous_body for e in MessageEdit.objects.all()] == ["first words"]
    changes = services.changes_after(conversation, 1)
    assert [(f["type"], f["seq"], f["body"]) for f in changes.frames] == [("edit", 2, "better words")]


def test_edit_after_five_minutes_is_refused(conversation, client_user):
    message = send(client_user, conversation, "old").message
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    message.refresh_from_db()
    with pytest.raises(ValidationError):
        services.edit_message(ctx(client_user), message, "new")


def test_only_the_author_edits(conversation, client_user, therapist):
    message = send(client_user, conversation, "mine").message
    with pytest.raises(Http404):
        services.edit_message(ctx(therapist), message, "changed by someone else")


def test_changes_after_returns_everything_once_in_order(conversation, client_user, therapist):
    for i in range(7):
        send(client_user if i % 2 else therapist, conversation, f"m{i}")
    page = services.changes_after(conversation, 2, limit=3)
    assert ([f["seq"] for f in page.frames], page.upto, page.more) == ([3, 4, 5], 5, True)
    rest = services.changes_after(conversation, page.upto, limit=3)
    assert ([f["seq"] for f in rest.frames], rest.upto, rest.more) == ([6, 7], 7, False)


def test_urgent_client_message_escalates_to_safety(conversation, client_user, therapist):
    result = send(client_user, conversation, URGENT)
    assert result.urgent is True
    event = SafetyEvent.objects.get()
    assert (event.level, event.source_ref) == ("high", str(result.message.pk))
    assert Alert.objects.filter(recipient=therapist).count() == 1
    retry = services.send_message(
        ctx(client_user), conversation, body=URGENT, idempotency_key=result.message.idempotency_key
    )
    assert (retry.created, retry.urgent) == (False, True)


def test_urgent_edit_escalates_too(conversation, client_user):
    message = send(client_user, conversation, "fine").message
    assert services.edit_message(ctx(client_user), message, URGENT).urgent is True
    assert SafetyEvent.objects.get().source_ref == str(message.pk)


def test_therapist_text_is_not_screened_as_client_text(conversation, therapist):
    assert send(therapist, conversation, "Some clients say: I want to kill myself tonight").urgent is False
    assert SafetyEvent.objects.count() == 0


def _set_hours(therapist, days, start, end):
    TherapistMessagingSettings.objects.filter(therapist=therapist).update(
        work_days=days, work_start=start, work_end=end, reply_within_hours=24
    )


def test_auto_reply_outside_working_hours_once(conversation, client_user, therapist):
    _set_hours(therapist, [], time(9), time(17))  # never working
    first = send(client_user, conversation, "are you there?")
    second = send(client_user, conversation, "hello?")
    assert first.auto_reply is not None and second.auto_reply is None
    reply = first.auto_reply
    assert (reply.kind, reply.sender_id, reply.seq) == (Kind.AUTO_REPLY, therapist.pk, 2)
    assert "expect an answer by" in reply.body and "/help/" in reply.body
    assert "(America/New York)" in reply.body  # the client's zone


def test_no_auto_reply_inside_working_hours(conversation, client_user):
    assert send(client_user, conversation, "hi").auto_reply is None


def test_expected_answer_is_next_working_start_or_reply_time():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from confide.messaging.hours import expected_answer_by

    prefs = TherapistMessagingSettings(work_days=[0, 1, 2, 3, 4], work_start=time(9), work_end=time(17))
    prefs.reply_within_hours = 2
    berlin = ZoneInfo("Europe/Berlin")
    friday_night = datetime(2026, 3, 27, 22, 0, tzinfo=berlin)
    assert expected_answer_by(prefs, berlin, friday_night) == datetime(2026, 3, 30, 9, 0, tzinfo=berlin)
    prefs.reply_within_hours = 100
    assert expected_answer_by(prefs, berlin, friday_night) == friday_night + timedelta(hours=100)


def test_unread_counts_and_mark_read(conversation, client_user, therapist):
    for _ in range(3):
        send(therapist, conversation)
    send(client_user, conversation)
    assert services.unread_counts(client_user, [conversation]) == {conversation.pk: 3}
    assert services.unread_counts(therapist, [conversation]) == {conversation.pk: 1}
    conversation.refresh_from_db()
    assert services.mark_read(ctx(client_user), conversation, 2) == 2
    assert services.mark_read(ctx(client_user), conversation, 1) == 2  # never backwards
    assert services.unread_counts(client_user, [conversation]) == {conversation.pk: 1}


def test_search_finds_only_own_history(conversation, client_user, therapist, other_client, other_therapist):
    from confide.accounts.services import start_care
    from confide.messaging.tests.conftest import always_working

    send(client_user, conversation, "The Lighthouse dream again")
    start_care(other_client, other_therapist)
    always_working(other_therapist)
    (foreign,) = services.conversations_for(other_client)
    send(other_client, foreign, "my lighthouse too")
    hits = services.search_history(ctx(client_user), client_user, "lighthouse")
    assert [h.message.body for h in hits] == ["The Lighthouse dream again"]
    assert services.search_history(ctx(therapist), therapist, "LIGHTHOUSE")[0].conversation == conversation
    assert AuditEvent.objects.filter(action="conversation.search", actor_ref=str(client_user.pk)).count() == 1


def _queued_notices() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="send_unread_notice").count()


def test_one_unread_email_per_streak_without_content(
    conversation, client_user, therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(therapist, conversation, "Please bring your sleep diary")
        send(therapist, conversation, "and the worksheet")
    assert _queued_notices() == 1
    assert deliver_unread_notice(str(conversation.pk), str(client_user.pk)) == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        send(therapist, conversation, "one more")  # still unread after the e-mail: nothing new is queued
    assert _queued_notices() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.subject, message.to) == ("You have a new message on Confide", [client_user.email])
    text = message.subject + message.body
    for secret in ("sleep diary", "worksheet", "Tess", "Casey", str(conversation.pk)):
        assert secret not in text


def test_reading_before_the_delay_sends_nothing(conversation, client_user, therapist):
    send(therapist, conversation, "hello")
    conversation.refresh_from_db()
    services.mark_read(ctx(client_user), conversation, conversation.last_seq)
    assert deliver_unread_notice(str(conversation.pk), str(client_user.pk)) == "read"
    assert mail.outbox == []


def test_reading_starts_a_new_streak(conversation, client_user, therapist):
    send(therapist, conversation, "1")
    deliver_unread_notice(str(conversation.pk), str(client_user.pk))
    conversation.refresh_from_db()
    services.mark_read(ctx(client_user), conversation, conversation.last_seq)
    send(therapist, conversation, "2")
    assert ReadState.objects.get(user=client_user).notice_pending is True
    assert deliver_unread_notice(str(conversation.pk), str(client_user.pk)) == "sent"
    assert len(mail.outbox) == 2


def test_export_contains_messages_and_edit_history(conversation, client_user, therapist):
    from confide.messaging.export import collect

    message = send(client_user, conversation, "draft").message
    services.edit_message(ctx(client_user), message, "final")
    send(therapist, conversation, "thanks")
    data = collect(ctx(client_user), client_user)
    (conv,) = data["conversations"]
    assert [(m["from"], m["body"]) for m in conv["messages"]] == [("me", "final"), ("therapist", "thanks")]
    assert conv["messages"][0]["earlier_versions"][0]["before"] == "draft"


def test_demo_populates_a_conversation_idempotently(db):
    from confide.core.demo import create_demo

    create_demo()
    count = Message.objects.count()
    create_demo()
    assert count > 0 and Message.objects.count() == count


def test_safety_net_task_screens_a_message_the_sender_never_screened(conversation, client_user, therapist):
    from confide.messaging.tasks import screen_message_later

    unscreened = services.send_message(
        ctx(client_user), conversation, body=URGENT, idempotency_key=key(), screen_now=False
    ).message
    assert SafetyEvent.objects.count() == 0  # as if the process died between commit and screening
    assert screen_message_later.call(str(unscreened.pk)) == "urgent"
    assert SafetyEvent.objects.get().source_ref == str(unscreened.pk)
    assert screen_message_later.call(str(unscreened.pk)) == "already screened"
    assert Alert.objects.filter(recipient=therapist).count() == 1
