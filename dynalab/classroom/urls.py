from django.urls import path

from dynalab.classroom import views

app_name = "classroom"

urlpatterns = [
    path("", views.classes, name="classes"),
    path("new/", views.new_class, name="new_class"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join_link, name="join_link"),
    path("report/", views.report_problem, name="report"),
    path("<int:class_id>/", views.dashboard, name="dashboard"),
    path("<int:class_id>/edit/", views.edit_class, name="edit"),
    path("<int:class_id>/archive/", views.archive_class, name="archive"),
    path("<int:class_id>/code/", views.regenerate_code, name="regenerate_code"),
    path("<int:class_id>/misconceptions/", views.misconceptions, name="misconceptions"),
    path("<int:class_id>/reports/", views.reports, name="reports"),
    path(
        "<int:class_id>/reports/<int:report_id>/resolve/",
        views.resolve_report,
        name="resolve_report",
    ),
    path("<int:class_id>/learners/<int:user_id>/", views.learner, name="learner"),
    path("<int:class_id>/learners/<int:user_id>/reset/", views.reset_learner, name="reset_learner"),
    path(
        "<int:class_id>/learners/<int:user_id>/remove/", views.remove_learner, name="remove_learner"
    ),
    path("<int:class_id>/export/<str:what>.<str:extension>", views.export, name="export"),
]
