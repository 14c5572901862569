from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "confide.messaging"
    label = "messaging"

    def ready(self) -> None:
        from confide.messaging.services import reply_settings

        reply_settings.connect()  # the directory shows the reply time the automatic reply promises
