"""Messaging pages and API: the form fallback, attachments, letters, settings, wrong people."""

import io
import json
import time
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from confide.messaging.models import Attachment, Kind, Message, TherapistMessagingSettings
from confide.privacy.models import AuditEvent
from confide.privacy.storage import EncryptedFileSystemStorage

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def conv_url(conv, name="messaging_conversation", *extra):
    return reverse(name, args=[conv.pk, *extra])


def test_inbox_lists_conversation_with_unread_count(conversation, as_client, therapist, as_therapist):
    as_therapist.post(conv_url(conversation, "messaging_send"), {"body": "Hello Casey", "key": uuid.uuid4().hex})
    page = as_client.get(reverse("messaging_inbox"))
    assert page.status_code == 200
    assert "Dr Tess Rivera" in page.content.decode() and "1 unread" in page.content.decode()


def test_form_post_sends_and_double_submit_stores_once(conversation, as_client):
    key = uuid.uuid4().hex
    for _ in range(2):
        response = as_client.post(conv_url(conversation, "messaging_send"), {"body": "No JavaScript here", "key": key})
        assert response.status_code == 302
    assert Message.objects.filter(kind=Kind.CHAT).count() == 1
    page = as_client.get(conv_url(conversation))
    assert "No JavaScript here" in page.content.decode()


def test_form_post_shows_errors_as_sentences(conversation, as_client):
    response = as_client.post(conv_url(conversation, "messaging_send"), {"body": "", "key": uuid.uuid4().hex})
    assert response.status_code == 400
    assert "Write a message" in response.content.decode()


def test_urgent_form_post_shows_crisis_resources(conversation, as_client):
    as_client.post(
        conv_url(conversation, "messaging_send"), {"body": "I want to kill myself tonight", "key": uuid.uuid4().hex}
    )
    page = as_client.get(conv_url(conversation)).content.decode()
    assert "988" in page and "Crisis support" in page
    assert "Crisis support" not in as_client.get(conv_url(conversation)).content.decode()  # shown once


@pytest.mark.parametrize("who", ["as_other_client", "as_other_therapist", "as_staff"])
def test_wrong_people_get_404_or_403(conversation, who, request):
    http = request.getfixturevalue(who)
    for url in [conv_url(conversation), conv_url(conversation, "messaging_letter")]:
        assert http.get(url).status_code in (403, 404)
    response = http.post(conv_url(conversation, "messaging_send"), {"body": "x", "key": uuid.uuid4().hex})
    assert response.status_code in (403, 404)
    assert Message.objects.count() == 0


def test_letter_with_subject(conversation, as_client):
    response = as_client.post(
        conv_url(conversation, "messaging_letter"),
        {"subject": "About last week", "body": "A longer letter.\n\nWith paragraphs.", "key": uuid.uuid4().hex},
    )
    assert response.status_code == 302
    letter = Message.objects.get()
    assert (letter.kind, letter.subject) == (Kind.LETTER, "About last week")
    assert "About last week" in as_client.get(conv_url(conversation, "messaging_letter")).content.decode()


def test_letter_without_subject_is_a_form_error(conversation, as_client):
    response = as_client.post(conv_url(conversation, "messaging_letter"), {"body": "x", "key": uuid.uuid4().hex})
    assert response.status_code == 400 and Message.objects.count() == 0


def test_image_attachment_is_encrypted_and_served_to_participants_only(
    conversation, as_client, as_therapist, as_other_therapist
):
    data = png_bytes()
    as_client.post(
        conv_url(conversation, "messaging_send"),
        {"body": "", "key": uuid.uuid4().hex, "attachment": upload("my-diagnosis.png", data, "image/png")},
    )
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert "diagnosis" not in attachment.file.name
    raw = EncryptedFileSystemStorage().read_raw(attachment.file.name)
    assert data not in raw and raw != data
    url = conv_url(conversation, "messaging_attachment", attachment.pk)
    response = as_therapist.get(url)
    assert response.status_code == 200 and response.content == data
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert as_other_therapist.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="message_attachment.view", outcome="allowed").count() == 1
    assert AuditEvent.objects.filter(action="message_attachment.view", outcome="denied").count() == 1


def test_pdf_is_downloaded_not_displayed(conversation, as_client):
    data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    as_client.post(
        conv_url(conversation, "messaging_send"),
        {"body": "worksheet", "key": uuid.uuid4().hex, "attachment": upload("w.pdf", data, "application/pdf")},
    )
    attachment = Attachment.objects.get()
    response = as_client.get(conv_url(conversation, "messaging_attachment", attachment.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "data", "claimed"),
    [
        ("evil.png", b"<html><script>alert(1)</script>", "image/png"),
        ("doc.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    ],
)
def test_attachments_are_checked_by_content(conversation, as_client, name, data, claimed):
    response = as_client.post(
        conv_url(conversation, "messaging_send"),
        {"body": "see file", "key": uuid.uuid4().hex, "attachment": upload(name, data, claimed)},
    )
    assert response.status_code == 400
    assert "Attach a PNG, JPEG or WebP image or a PDF." in response.content.decode()
    assert Attachment.objects.count() == Message.objects.count() == 0


def test_oversized_attachment_is_refused(conversation, as_client, settings):
    settings.MESSAGE_ATTACHMENT_MAX_BYTES = 1024
    response = as_client.post(
        conv_url(conversation, "messaging_send"),
        {"body": "big", "key": uuid.uuid4().hex, "attachment": upload("big.pdf", b"%PDF-" + b"0" * 2000)},
    )
    assert response.status_code == 400 and "too large" in response.content.decode()


def test_edit_form_within_window(conversation, as_client, client_user):
    as_client.post(conv_url(conversation, "messaging_send"), {"body": "teh", "key": uuid.uuid4().hex})
    message = Message.objects.get()
    response = as_client.post(conv_url(conversation, "messaging_edit", message.pk), {"body": "the"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.body, message.version_seq) == ("the", 2)


def test_therapist_settings_page(as_therapist, therapist, as_client):
    response = as_therapist.post(
        reverse("messaging_settings"),
        {
            "reply_within_hours": 48,
            "work_days": ["0", "2"],
            "work_start": "10:00",
            "work_end": "16:00",
            "auto_reply_enabled": "on",
            "auto_reply_text": "Thanks for writing.",
        },
    )
    assert response.status_code == 302
    prefs = TherapistMessagingSettings.objects.get(therapist=therapist)
    assert (prefs.reply_within_hours, prefs.work_days, prefs.auto_reply_text) == (48, [0, 2], "Thanks for writing.")
    bad = as_therapist.post(
        reverse("messaging_settings"), {"reply_within_hours": 5, "work_start": "17:00", "work_end": "09:00"}
    )
    assert bad.status_code == 400 and "end after they start" in bad.content.decode()
    assert as_client.get(reverse("messaging_settings")).status_code == 403


def test_search_is_a_post_so_the_words_never_reach_a_url(conversation, as_client):
    as_client.post(conv_url(conversation, "messaging_send"), {"body": "Notes about the lighthouse", "key": "k" * 16})
    page = as_client.post(reverse("messaging_inbox"), {"q": "LIGHTHOUSE"}).content.decode()
    assert "Notes about the lighthouse" in page
    assert 'method="post" action="/messages/" role="search"' in page
    # A search in the URL (an old bookmark, a crafted link) is not run and not echoed back.
    ignored = as_client.get(reverse("messaging_inbox"), {"q": "LIGHTHOUSE"}).content.decode()
    assert "Notes about the lighthouse" not in ignored and "LIGHTHOUSE" not in ignored
    assert AuditEvent.objects.filter(action="conversation.search").count() == 1  # the POST's, not the GET


def test_edit_page_of_someone_elses_message_is_404_and_audited(conversation, as_client, as_therapist, therapist):
    as_client.post(conv_url(conversation, "messaging_send"), {"body": "my own words", "key": "e" * 16})
    message = Message.objects.get(idempotency_key="e" * 16)
    assert as_therapist.get(conv_url(conversation, "messaging_edit", message.pk)).status_code == 404
    assert AuditEvent.objects.filter(action="message.edit", outcome="denied", actor=therapist).exists()
    assert as_client.get(conv_url(conversation, "messaging_edit", message.pk)).status_code == 200


def test_staff_inbox_is_refused(as_staff):
    assert as_staff.get(reverse("messaging_inbox")).status_code == 403


# --- API -------------------------------------------------------------------------------------------------


def api(conv, suffix="messages"):
    return f"/api/messaging/conversations/{conv.pk}/{suffix}"


def post_json(http, url, data):
    return http.post(url, json.dumps(data), content_type="application/json")


def test_api_send_list_and_read(conversation, as_client, as_therapist):
    first = post_json(as_client, api(conversation), {"body": "via API", "idempotency_key": "api-key-0001"})
    again = post_json(as_client, api(conversation), {"body": "via API", "idempotency_key": "api-key-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["duplicate"] is True
    listed = as_therapist.get("/api/messaging/conversations").json()
    assert [(c["unread"], c["can_send"]) for c in listed] == [(1, True)]
    changes = as_therapist.get(api(conversation), {"after": 0}).json()
    assert [(f["type"], f["seq"], f["body"]) for f in changes["frames"]] == [("message", 1, "via API")]
    assert post_json(as_therapist, api(conversation, "read"), {"seq": 1}).json() == {"seq": 1}
    assert as_therapist.get("/api/messaging/conversations").json()[0]["unread"] == 0


def test_api_urgent_send_returns_crisis_resources(conversation, as_client):
    reply = post_json(
        as_client, api(conversation), {"body": "I want to kill myself tonight", "idempotency_key": "urgent-001"}
    )
    assert reply.status_code == 201 and "988" in json.dumps(reply.json()["crisis"])


def test_api_edit(conversation, as_client):
    ack = post_json(as_client, api(conversation), {"body": "draft", "idempotency_key": "edit-key-001"}).json()
    response = as_client.patch(
        api(conversation, f"messages/{ack['id']}"), json.dumps({"body": "final"}), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["body"] == "final"


@pytest.mark.parametrize("who", ["as_other_client", "as_other_therapist", "as_staff"])
def test_api_wrong_people(conversation, who, request):
    http = request.getfixturevalue(who)
    assert http.get(api(conversation)).status_code == 404
    assert post_json(http, api(conversation), {"body": "x", "idempotency_key": "wrong-0001"}).status_code == 404
    assert post_json(http, api(conversation, "read"), {"seq": 0}).status_code == 404
    assert http.get("/api/messaging/conversations").json() == []


def test_api_bad_input_is_422(conversation, as_client):
    assert post_json(as_client, api(conversation), {"body": "x", "idempotency_key": "no"}).status_code == 422
    assert post_json(as_client, api(conversation), {"body": "", "idempotency_key": "empty-0001"}).status_code == 422
    assert (
        post_json(as_client, api(conversation), {"body": "x", "idempotency_key": "k" * 10, "extra": 1}).status_code
        == 422
    )


def test_api_sends_share_the_sockets_rate_limit(conversation, as_client, settings):
    """A flood over HTTP cannot go around the per-person budget of the socket."""
    from django.core.cache import cache

    cache.clear()
    settings.MESSAGE_RATE_PER_MINUTE = 10
    if time.time() % 60 > 50:  # the budget is per clock minute: do not straddle two
        time.sleep(61 - time.time() % 60)
    codes = [
        post_json(as_client, api(conversation), {"body": f"m{i}", "idempotency_key": f"rate-key-{i:04}"}).status_code
        for i in range(12)
    ]
    limited = post_json(as_client, api(conversation), {"body": "again", "idempotency_key": "rate-key-last"})
    assert codes == [201] * 10 + [429] * 2
    assert limited.status_code == 429 and "too fast" in limited.json()["detail"]
    assert Message.objects.filter(conversation=conversation).count() == 10


def test_form_posts_share_the_same_rate_limit_and_keep_the_text(conversation, as_client, settings):
    """Without JavaScript a flood is refused the same way: 429, a sentence, nothing stored, the text kept."""
    from django.core.cache import cache

    cache.clear()
    settings.MESSAGE_RATE_PER_MINUTE = 3
    if time.time() % 60 > 50:  # the budget is per clock minute: do not straddle two
        time.sleep(61 - time.time() % 60)
    codes = [
        as_client.post(conv_url(conversation, "messaging_send"), {"body": f"m{i}", "key": uuid.uuid4().hex}).status_code
        for i in range(3)
    ]
    limited = as_client.post(conv_url(conversation, "messaging_send"), {"body": "kept text", "key": uuid.uuid4().hex})
    letter = as_client.post(
        conv_url(conversation, "messaging_letter"), {"subject": "Hi", "body": "letter text", "key": uuid.uuid4().hex}
    )
    assert codes == [302] * 3
    assert limited.status_code == 429 and "too fast" in limited.content.decode()
    assert "kept text" in limited.content.decode()
    assert letter.status_code == 429 and "letter text" in letter.content.decode()
    assert Message.objects.filter(conversation=conversation).count() == 3
