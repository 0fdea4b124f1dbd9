"""A learner works through lesson 5 in a real browser: runs a request, gets a hint, passes a lab
step, and sees the progress on the course map.

Screenshots land in test-artifacts/screenshots/course-*.png for people to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_learner_works_through_lesson_5(page: Page, screenshot) -> None:
    page.goto("/learn/")
    expect(page.get_by_role("heading", name="Learn DynamoDB, one lesson at a time")).to_be_visible()
    expect(page.get_by_role("link", name="Start with lesson 1: What NoSQL is")).to_be_visible()
    screenshot("course-01-map-new")

    page.get_by_role("link", name="Lesson 5: Primary keys").click()
    expect(page.get_by_role("heading", level=1, name="Primary keys")).to_be_visible()
    screenshot("course-02-lesson-5")

    # Run the CreateTable request block: the result appears in place.
    create = page.locator("#block-request-1")
    create.get_by_role("button", name="Run in my sandbox").click()
    expect(create.get_by_text("CreateTable succeeded in your sandbox.")).to_be_visible()
    create.scroll_into_view_if_needed()
    screenshot("course-03-request-ran")

    # The first lab step is not done yet: Check says so, with a reason.
    step = page.locator("#lab-author-shelf-step-1")
    step.get_by_role("button", name="Check").click()
    expect(step.get_by_role("status")).to_contain_text("Not yet.")
    expect(step).to_contain_text("has no item with key author = 'Ursula K. Le Guin'")

    # One hint at a time.
    step.get_by_role("button", name=re.compile(r"^Hint")).click()
    expect(step.get_by_text("Copy the PutItem request for Mort")).to_be_visible()
    expect(step.get_by_text("The key is the pair (author, title)")).to_be_hidden()
    expect(step.get_by_role("button", name=re.compile(r"^Another hint"))).to_be_visible()

    # Show the solution and run its two PutItem requests from the step itself.
    step.get_by_role("button", name="Show solution").click()
    for key in ("author-shelf-step-1-solution-2", "author-shelf-step-1-solution-3"):
        block = step.locator(f"#block-{key}")
        block.get_by_role("button", name="Run in my sandbox").click()
        expect(block.get_by_text("PutItem succeeded in your sandbox.")).to_be_visible()
        expect(block).to_contain_text("Consumed capacity: 1 WCU")

    step.get_by_role("button", name="Check").click()
    expect(step.get_by_role("status")).to_contain_text("Passed with the solution.")
    expect(step.locator("span[aria-hidden=true]").first).to_have_text("✓")
    expect(page.locator("#lab-author-shelf-progress")).to_have_text(
        "1 of 3 steps done (1 with the solution)"
    )
    expect(page.locator("#lesson-progress")).to_contain_text("1 of 5 exercises done")
    expect(step.get_by_text("Copy the PutItem request for Mort")).to_be_visible()  # hint kept
    step.scroll_into_view_if_needed()
    screenshot("course-04-step-passed")

    # The course map shows the lesson in progress, and where to continue.
    page.get_by_role("link", name="Course", exact=True).click()
    lesson_5 = page.locator("li", has=page.get_by_role("link", name="Lesson 5: Primary keys"))
    expect(lesson_5).to_contain_text("In progress")
    expect(lesson_5).to_contain_text("1 of 5 exercises done")
    expect(page.get_by_role("link", name="Continue lesson 5: Primary keys")).to_be_visible()
    screenshot("course-05-map-progress")


def test_a_quiz_hints_before_it_answers(page: Page, screenshot) -> None:
    page.goto("/learn/capacity-units/#quiz-read-25kb-eventual")
    quiz = page.locator("#quiz-read-25kb-eventual")
    answer = quiz.get_by_label("Your answer (in RCU)")
    # Not a number: refused with a message, nothing recorded.
    answer.fill("abc")
    quiz.get_by_role("button", name="Answer").click()
    expect(quiz.get_by_role("status")).to_have_text("Type a number (in RCU), such as 3 or 0.5.")
    # A first wrong answer: a hint, not the answer.
    quiz.get_by_label("Your answer (in RCU)").fill("7")
    quiz.get_by_role("button", name="Answer").click()
    expect(quiz.get_by_role("status")).to_contain_text(
        "Not quite: you answered 7 RCU. Think it through once more and try again."
    )
    expect(quiz).to_contain_text("Round 25 KB up to whole 4 KB blocks first, then halve.")
    expect(quiz).not_to_contain_text("The answer is")
    expect(quiz).not_to_contain_text("25 KB rounds up to 28 KB")
    # Right: the explanation, and the lesson's counter moves without a reload.
    quiz.get_by_label("Your answer (in RCU)").fill("3.5")
    quiz.get_by_role("button", name="Answer again").click()
    expect(quiz.get_by_role("status")).to_contain_text("Correct.")
    expect(quiz).to_contain_text("25 KB rounds up to 28 KB")
    expect(quiz.get_by_text("Answered correctly")).to_be_visible()
    expect(page.locator("#lesson-progress")).to_contain_text("1 of 11 exercises done")
    quiz.scroll_into_view_if_needed()
    screenshot("course-06-quiz")
