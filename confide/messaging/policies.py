"""Who may do what in messaging — one function per permission, shared by views, API and consumers.

Only the two people of a conversation ever see it. Staff get nothing, not even
under break-glass emergency access: the safety flow already gives on-call staff
what they need to act (the screened text of an urgent message is on the safety
event), so reading a private correspondence is never necessary (docs/messaging.md).
"""

from __future__ import annotations

from confide.accounts.models import CareRelationship, Role


def is_participant(user, conversation) -> bool:
    """The client or the therapist of the conversation (and an active account with the matching role)."""
    if user is None or not getattr(user, "is_active", False):
        return False
    if user.pk == conversation.client_id:
        return user.role == Role.CLIENT
    if user.pk == conversation.therapist_id:
        return user.role == Role.THERAPIST
    return False


def care_is_active(conversation) -> bool:
    """Whether the pair's care relationship is active (read in the caller's query when it annotated ``care_active``).

    The send path locks the conversation and reads this in the same statement
    (services/sending.py), so the decision is made on the locked row at no extra query.
    """
    known = getattr(conversation, "care_active", None)
    if known is not None:
        return bool(known)
    return CareRelationship.objects.filter(
        client_id=conversation.client_id,
        therapist_id=conversation.therapist_id,
        status=CareRelationship.Status.ACTIVE,
    ).exists()


def can_read_conversation(user, conversation) -> bool:
    """Participants read their history, also after care has ended."""
    return is_participant(user, conversation)


def can_send_message(user, conversation) -> bool:
    """Participants write only while the care relationship is active."""
    return is_participant(user, conversation) and care_is_active(conversation)


def can_edit_message(user, message) -> bool:
    """Only the author edits (the 5-minute window is a rule of the service, with its own message)."""
    return message.sender_id == user.pk and can_send_message(user, message.conversation)


def can_manage_reply_settings(user, therapist) -> bool:
    return user.pk == therapist.pk and getattr(user, "role", None) == Role.THERAPIST


def can_open_conversation(user, care: CareRelationship) -> bool:
    """A participant of an active care relationship may open the conversation it allows."""
    if care.status != CareRelationship.Status.ACTIVE:
        return False
    return user.pk in (care.client_id, care.therapist_id)
