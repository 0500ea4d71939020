from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "MIS sync"

    def ready(self) -> None:
        from users.panels import register_account_panel
        from wizard.account_panel import sync_changes_panel

        register_account_panel(sync_changes_panel)
