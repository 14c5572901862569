"""Messaging pages. Each works as a plain form without JavaScript; chat.js enhances the conversation page."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.accounts.models import Role
from confide.accounts.services import name_for_viewer
from confide.core.forms import apply_validation_error
from confide.messaging import policies, services
from confide.messaging.consumers import presence_ttl_seconds
from confide.messaging.forms import EditForm, LetterForm, MessageForm, ReplySettingsForm, SearchForm
from confide.messaging.models import Attachment, Conversation, Kind, Message
from confide.messaging.ratelimit import rate_limited
from confide.messaging.services.attachments import checked_upload
from confide.messaging.services.guard import require
from confide.messaging.services.reply_settings import FIELDS, reply_settings_for, update_reply_settings
from confide.messaging.services.sending import EDIT_WINDOW
from confide.privacy.audit import context_from_request

CRISIS_SESSION_KEY = "messaging_show_crisis"


def other_party_name(viewer, conversation: Conversation) -> str:
    """The client's pseudonym (legal name for their own therapist) or the therapist's professional name."""
    if viewer.pk == conversation.therapist_id:
        return name_for_viewer(viewer, conversation.client)
    return conversation.therapist.display_name or "Your therapist"


def _participants_only(request: HttpRequest) -> None:
    if request.user.role not in (Role.CLIENT, Role.THERAPIST):
        raise PermissionDenied("Messages are private between clients and their therapists.")


def _conversation(request: HttpRequest, conversation_id, *, action: str = "conversation.open") -> Conversation:
    _participants_only(request)
    conv = get_object_or_404(Conversation.objects.select_related("client", "therapist"), pk=conversation_id)
    return services.open_conversation(context_from_request(request), conv, action=action)


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """Conversations with unread counts, and search in the person's own history.

    Search is a POST: the words a person looks for in their therapy messages are
    PHI and must not land in a URL (browser history, proxy and access logs).
    A ``?q=`` in the URL is ignored.
    """
    _participants_only(request)
    conversations = services.conversations_for(request.user)
    counts = services.unread_counts(request.user, conversations)
    rows = [
        {
            "conversation": c,
            "name": other_party_name(request.user, c),
            "unread": counts.get(c.pk, 0),
            "open": policies.can_send_message(request.user, c),
        }
        for c in conversations
    ]
    form = SearchForm(request.POST if request.method == "POST" else None)
    searched = form.is_valid() and bool(form.cleaned_data["q"])
    hits = []
    if searched:
        found = services.search_history(context_from_request(request), request.user, form.cleaned_data["q"])
        hits = [{"hit": h, "name": other_party_name(request.user, h.conversation)} for h in found]
    context = {"rows": rows, "form": form, "hits": hits, "searched": searched}
    return render(request, "messaging/inbox.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def conversation(request: HttpRequest, conversation_id) -> HttpResponse:
    conv = _conversation(request, conversation_id)
    return _conversation_page(request, conv, MessageForm())


def _conversation_page(request: HttpRequest, conv: Conversation, form: MessageForm, status: int = 200) -> HttpResponse:
    history = services.history(conv)
    if history:
        services.mark_read(context_from_request(request), conv, history[-1].seq)
    show_crisis = request.session.pop(CRISIS_SESSION_KEY, None) == str(conv.pk)
    context = {
        "conv": conv,
        "history": history,
        "name": other_party_name(request.user, conv),
        "form": form,
        "can_send": policies.can_send_message(request.user, conv),
        "last_seq": history[-1].seq if history else 0,
        "last_version": max((m.version_seq for m in history), default=0),
        "crisis": _crisis_resources(request.user) if show_crisis else None,
        "edit_window_s": int(EDIT_WINDOW.total_seconds()),
        "editable_since": timezone.now() - EDIT_WINDOW,  # older messages show no Edit link at all
        "presence_ttl_s": presence_ttl_seconds(),
        "reply_hours": reply_settings_for(conv.therapist).reply_within_hours,
    }
    return render(request, "messaging/conversation.html", context, status=status)


def _crisis_resources(user):
    from confide.safety.escalation import crisis_resources_for_client

    return crisis_resources_for_client(user)


@login_required
@require_POST
def send(request: HttpRequest, conversation_id) -> HttpResponse:
    """The form-post path (no JavaScript, or the socket is unavailable)."""
    conv = _conversation(request, conversation_id, action="conversation.open")
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _conversation_page(request, conv, form, status=400)
    if _too_fast(request, form):
        return _conversation_page(request, conv, form, status=429)
    try:
        result = _send_from_form(request, conv, form, kind=Kind.CHAT)
    except ValidationError as exc:
        apply_validation_error(form, exc)  # nothing was stored, so the corrected form keeps its key
        return _conversation_page(request, conv, form, status=400)
    _after_send(request, conv, result)
    return redirect(f"{conv_url(conv)}#latest")


def _too_fast(request: HttpRequest, form) -> bool:
    """The socket's and the API's per-person budget applies to the form posts too (one budget, shared cache)."""
    wait = rate_limited(request.user.pk)
    if wait:
        form.add_error(None, f"You are sending too fast. Wait {wait} seconds, then send again; your text is kept.")
    return bool(wait)


def _send_from_form(request: HttpRequest, conv: Conversation, form, *, kind: str):
    upload = form.cleaned_data.get("attachment")
    attachment = checked_upload(upload) if upload else None
    return services.send_message(
        context_from_request(request),
        conv,
        body=form.cleaned_data.get("body", ""),
        subject=form.cleaned_data.get("subject", ""),
        idempotency_key=form.cleaned_data["key"],
        kind=kind,
        attachment=attachment,
    )


def _after_send(request: HttpRequest, conv: Conversation, result) -> None:
    if result.urgent:
        request.session[CRISIS_SESSION_KEY] = str(conv.pk)
    elif not result.created:
        flash.info(request, "That message had already been sent; it was not sent twice.")


def conv_url(conv: Conversation) -> str:
    from django.urls import reverse

    return reverse("messaging_conversation", args=[conv.pk])


@login_required
@require_http_methods(["GET", "POST"])
def letter(request: HttpRequest, conversation_id) -> HttpResponse:
    """Write a letter: a longer message with a subject, for people who prefer a slower exchange."""
    conv = _conversation(request, conversation_id)
    can_send = policies.can_send_message(request.user, conv)
    form = LetterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and not _too_fast(request, form):
        try:
            result = _send_from_form(request, conv, form, kind=Kind.LETTER)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _after_send(request, conv, result)
            flash.success(request, "Your letter was sent.")
            return redirect(f"{conv_url(conv)}#latest")
    letters = [m for m in services.history(conv, limit=500) if m.kind == Kind.LETTER]
    context = {
        "conv": conv,
        "form": form,
        "name": other_party_name(request.user, conv),
        "letters": letters,
        "can_send": can_send,
        "prefs": reply_settings_for(conv.therapist),
    }
    status = 429 if any("too fast" in e for e in form.non_field_errors()) else 400 if form.errors else 200
    return render(request, "messaging/letter.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, conversation_id, message_id) -> HttpResponse:
    conv = _conversation(request, conversation_id)
    message = get_object_or_404(Message, pk=message_id, conversation=conv)
    # Only the author's own messages have an edit page (the policy is the service's; refusals are audited).
    require(
        context_from_request(request), policies.can_edit_message, message, action="message.edit", subject=conv.client
    )
    form = EditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.edit_message(context_from_request(request), message, form.cleaned_data["body"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if result.urgent:
                request.session[CRISIS_SESSION_KEY] = str(conv.pk)
            return redirect(f"{conv_url(conv)}#latest")
    context = {"conv": conv, "message": message, "form": form, "name": other_party_name(request.user, conv)}
    return render(request, "messaging/edit.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def attachment(request: HttpRequest, conversation_id, attachment_id) -> HttpResponse:
    """Stream a decrypted attachment to a participant; never cached, never sniffed, PDFs downloaded."""
    _participants_only(request)
    item = get_object_or_404(
        Attachment.objects.select_related("conversation__client"), pk=attachment_id, conversation_id=conversation_id
    )
    data = services.open_attachment(context_from_request(request), item)
    response = HttpResponse(data, content_type=item.content_type)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
    name = f"attachment.{extension.get(item.content_type, 'bin')}"
    disposition = "attachment" if item.content_type == "application/pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reply_settings(request: HttpRequest) -> HttpResponse:
    """A therapist's expected reply time, working hours and automatic reply."""
    if request.user.role != Role.THERAPIST:
        raise PermissionDenied("Only therapists set reply times and working hours.")
    prefs = reply_settings_for(request.user)
    initial = {name: getattr(prefs, name) for name in FIELDS}
    form = ReplySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_reply_settings(context_from_request(request), request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            flash.success(request, "Your messaging settings were saved.")
            return redirect("messaging_settings")
    context = {"form": form, "zone": request.user.time_zone}
    return render(request, "messaging/settings.html", context, status=400 if form.errors else 200)
