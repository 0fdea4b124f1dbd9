from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "dynalab.console"
    label = "console"
    verbose_name = "Console"
