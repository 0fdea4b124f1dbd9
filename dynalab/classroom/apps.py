from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    name = "dynalab.classroom"
    label = "classroom"
    verbose_name = "Classroom"
