"""Operators' view of the classroom in Django's admin (/admin/)."""

from django.contrib import admin

from dynalab.classroom.models import ClassLesson, Classroom, Enrollment, ProblemReport


class ClassLessonInline(admin.TabularInline):
    model = ClassLesson
    extra = 0


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "instructor", "join_code", "created_at", "archived_at")
    search_fields = ("name", "instructor__username", "join_code")
    inlines = [ClassLessonInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("learner", "classroom", "joined_at")
    search_fields = ("learner__username", "classroom__name")


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    list_display = ("learner", "created_at", "page", "resolved_at")
    search_fields = ("learner__username", "message")
