"""The classroom's forms: sign-up, a class (name, lessons, due dates), joining, reporting."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from dynalab.classroom import course_progress
from dynalab.classroom.services import MAX_REPORT_LENGTH

INPUT = (
    "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm "
    "focus-visible:outline-2 focus-visible:outline-sky-600"
)


class SignUpForm(UserCreationForm):
    """A learner's account: a username and a password (an email to reset it, optional)."""

    email = forms.EmailField(
        required=False, help_text="Optional: where a password reset link would go."
    )

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.email = self.cleaned_data.get("email", "")
        if commit:
            user.save()
        return user


class ClassroomForm(forms.Form):
    """A class's name, and for each lesson of the course: in the class? due when?"""

    name = forms.CharField(max_length=100)

    def __init__(
        self, *args: Any, initial_lessons: dict[str, date | None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lesson_rows = []
        chosen = initial_lessons or {}
        for slug, label in course_progress.lesson_choices():
            include = f"lesson_{slug}"
            due = f"due_{slug}"
            self.fields[include] = forms.BooleanField(
                required=False, label=label, initial=slug in chosen
            )
            self.fields[due] = forms.DateField(
                required=False,
                label=f"Due date for {label}",
                initial=chosen.get(slug),
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.lesson_rows.append((slug, self[include], self[due]))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not any(cleaned.get(f"lesson_{slug}") for slug, _, _ in self.lesson_rows):
            raise forms.ValidationError("Choose at least one lesson for the class.")
        return cleaned

    def lessons(self) -> dict[str, date | None]:
        return {
            slug: self.cleaned_data.get(f"due_{slug}")
            for slug, _, _ in self.lesson_rows
            if self.cleaned_data.get(f"lesson_{slug}")
        }


class JoinForm(forms.Form):
    code = forms.CharField(max_length=32, label="Join code")


class ReportForm(forms.Form):
    message = forms.CharField(
        max_length=MAX_REPORT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What went wrong?",
    )
    page = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError("Say what went wrong, in a sentence or two.")
        return message

    def clean_page(self) -> str:
        page = self.cleaned_data.get("page", "")
        # Only a path on this site: never a link elsewhere in an instructor's inbox.
        return page if page.startswith("/") and not page.startswith("//") else ""
