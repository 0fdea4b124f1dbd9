from django.urls import path

from dynalab.course import views

app_name = "course"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:lesson>/", views.lesson, name="lesson"),
    path("<slug:lesson>/setup/", views.prepare_sandbox, name="prepare_sandbox"),
    path("<slug:lesson>/requests/<slug:key>/run/", views.run_request, name="run_request"),
    path(
        "<slug:lesson>/requests/<slug:key>/workbench/",
        views.open_in_workbench,
        name="open_in_workbench",
    ),
    path(
        "<slug:lesson>/labs/<slug:lab>/steps/<int:step>/check/",
        views.check_step,
        name="check_step",
    ),
    path(
        "<slug:lesson>/labs/<slug:lab>/steps/<int:step>/hint/",
        views.reveal_hint,
        name="reveal_hint",
    ),
    path(
        "<slug:lesson>/labs/<slug:lab>/steps/<int:step>/solution/",
        views.show_solution,
        name="show_solution",
    ),
    path("<slug:lesson>/quizzes/<slug:quiz>/answer/", views.answer_quiz, name="answer_quiz"),
]
