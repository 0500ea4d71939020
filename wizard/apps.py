from django.apps import AppConfig


class WizardConfig(AppConfig):
    name = "wizard"
    verbose_name = "MIS sync"
