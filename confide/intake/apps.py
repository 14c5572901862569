from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "confide.intake"
    label = "intake"
