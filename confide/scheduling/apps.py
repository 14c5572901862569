from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "confide.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from confide.scheduling import listing

        listing.connect()  # the directory lists exactly the session types booking accepts
