from django.urls import path

from confide.messaging import views

urlpatterns = [
    path("messages/", views.inbox, name="messaging_inbox"),
    path("messages/settings/", views.reply_settings, name="messaging_settings"),
    path("messages/<uuid:conversation_id>/", views.conversation, name="messaging_conversation"),
    path("messages/<uuid:conversation_id>/send/", views.send, name="messaging_send"),
    path("messages/<uuid:conversation_id>/letter/", views.letter, name="messaging_letter"),
    path("messages/<uuid:conversation_id>/m/<uuid:message_id>/edit/", views.edit, name="messaging_edit"),
    path(
        "messages/<uuid:conversation_id>/attachments/<uuid:attachment_id>/",
        views.attachment,
        name="messaging_attachment",
    ),
]
