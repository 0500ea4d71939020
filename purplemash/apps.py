from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app, so that its system checks are registered."""

    name = "purplemash"
    verbose_name = "MIS Sync Wizard"

    def ready(self) -> None:
        from purplemash import checks  # noqa: F401  (registers the checks)
