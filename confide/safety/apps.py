from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "confide.safety"
    label = "safety"
