from django.apps import AppConfig


class ThemeConfig(AppConfig):
    name = "dynalab.theme"
    label = "theme"
    verbose_name = "Theme"
