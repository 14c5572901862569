from django.apps import AppConfig


class TelehealthConfig(AppConfig):
    name = "confide.telehealth"
    label = "telehealth"
