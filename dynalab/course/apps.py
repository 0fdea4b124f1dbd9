from django.apps import AppConfig


class CourseConfig(AppConfig):
    name = "dynalab.course"
    label = "course"
    verbose_name = "Course"

    def ready(self) -> None:
        # Connects the login receiver that keeps an anonymous learner's progress.
        from dynalab.course import signals  # noqa: F401
