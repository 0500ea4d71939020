from django.apps import AppConfig


class MisclientConfig(AppConfig):
    """An app only for its management commands (fake_xod...): misclient has no models."""

    name = "misclient"
    verbose_name = "MIS client"
