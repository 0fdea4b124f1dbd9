"""``manage.py check_lessons``: each kind of authoring error is caught, named by file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.support.course import (
    CREATE_BOOKS,
    FRONT,
    QUIZ_BLOCK,
    checked_lab,
    checked_lesson,
    get_book,
    lab,
    put_book,
    quiz,
    request_block,
    write_lesson,
    yaml_block,
)


def check_lessons(*paths: Path) -> tuple[bool, str]:
    """(whether the lessons passed, everything the command wrote)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check_lessons", *map(str, paths), stdout=out, stderr=err)
    except CommandError as error:
        return False, err.getvalue() + str(error)
    return True, out.getvalue()


def problems(*paths: Path) -> str:
    passed, output = check_lessons(*paths)
    assert not passed, output
    return output


# --------------------------------------------------------------------------- the real course
def test_the_real_lessons_pass() -> None:
    passed, output = check_lessons()
    assert passed, output
    count = len(
        [p for p in Path(settings.BASE_DIR, "lessons").glob("*.md") if p.name != "README.md"]
    )
    assert output.startswith(f"Checked {count} lessons")
    assert output.rstrip().endswith("all good.")


def test_a_valid_lesson_passes(tmp_path: Path) -> None:
    checked_lesson(tmp_path)
    passed, output = check_lessons(tmp_path)
    assert passed, output
    assert "1 lesson, 1 lab (3 steps), 1 quiz, 5 runnable requests" in output


def test_the_command_exits_non_zero_and_names_file_and_line(tmp_path: Path) -> None:
    write_lesson(tmp_path, "01-bad.md", "## A\n\n```request\nPutIt\n{}\n```\n")
    finished = subprocess.run(
        [sys.executable, "manage.py", "check_lessons", str(tmp_path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 1
    assert (
        f"{tmp_path}/01-bad.md:11: unknown operation 'PutIt' (did you mean PutItem?)"
        in finished.stderr
    )
    assert "1 problem in 1 lesson" in finished.stderr


def test_no_lessons_is_an_error(tmp_path: Path) -> None:
    assert "No lessons found" in problems(tmp_path)


# --------------------------------------------------------------------------- front matter
def test_missing_front_matter(tmp_path: Path) -> None:
    (tmp_path / "01-x.md").write_text("## No front matter\n")
    assert "01-x.md:1: the lesson must start with YAML front matter" in problems(tmp_path)


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ({k: v for k, v in FRONT.items() if k != "title"}, ":1: front matter needs title"),
        ({**FRONT, "tittle": "x"}, ":7: unknown front matter field 'tittle'"),
        ({**FRONT, "minutes": "ten"}, ":6: front matter minutes must be a whole number, not 'ten'"),
        ({**FRONT, "objectives": []}, ":4: front matter objectives must be a non-empty list"),
        (
            {**FRONT, "objectives": [{"Choose a strategy": "split"}]},
            "objective 1 is not text (YAML read it as a mapping because of a ': '",
        ),
    ],
)
def test_front_matter_schema(tmp_path: Path, front: dict[str, Any], message: str) -> None:
    write_lesson(tmp_path, "01-x.md", front=front)
    assert message in problems(tmp_path)


def test_front_matter_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "01-x.md").write_text("---\ntitle: [unclosed\nsummary: s\n---\nBody\n")
    assert "01-x.md:3: front matter YAML does not parse" in problems(tmp_path)


# --------------------------------------------------------------------------- request blocks
def test_request_json_that_does_not_parse(tmp_path: Path) -> None:
    write_lesson(
        tmp_path, "01-x.md", '```request\nPutItem\n{\n  "TableName": "Books",\n  oops\n}\n```\n'
    )
    # Front matter is lines 1-7, the fence line 8, the operation 9, and "oops" line 12.
    assert "01-x.md:12: the request is not valid JSON: Expecting property name" in problems(
        tmp_path
    )


def test_unknown_operation(tmp_path: Path) -> None:
    write_lesson(tmp_path, "01-x.md", "```request\nGetItems\n{}\n```\n")
    assert "01-x.md:9: unknown operation 'GetItems' (did you mean GetItem," in problems(tmp_path)


def test_a_request_that_fails_in_a_fresh_engine(tmp_path: Path) -> None:
    write_lesson(tmp_path, "01-x.md", request_block("PutItem", {"TableName": "Books", "Item": {}}))
    assert (
        "01-x.md:8: request block request-1 (PutItem): fails with ResourceNotFoundException"
        in problems(tmp_path)
    )


def test_expected_errors_and_stated_capacity_are_verified(tmp_path: Path) -> None:
    body = (
        request_block("CreateTable", CREATE_BOOKS)
        + request_block(
            "PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "1"}}}, "capacity=2"
        )
        + request_block(
            "GetItem",
            {"TableName": "Books", "Key": {"isbn": {"S": "1"}}},
            "expect=ValidationException",
        )
        + request_block(
            "GetItem",
            {"TableName": "Nope", "Key": {"isbn": {"S": "1"}}},
            "expect=ResourceNotFoundException",
        )
        + QUIZ_BLOCK
    )
    write_lesson(tmp_path, "01-x.md", body)
    output = problems(tmp_path)
    assert "request-2 (PutItem): consumes 1 capacity units, not the 2 it states" in output
    assert (
        "request-3 (GetItem): succeeds, but the lesson says it fails with ValidationException"
        in output
    )
    assert "request-4" not in output
    assert "2 problems" in output


def test_unknown_fence_attribute(tmp_path: Path) -> None:
    write_lesson(tmp_path, "01-x.md", "```request expected=X\nListTables\n```\n")
    assert (
        "01-x.md:8: unknown fence attribute 'expected' (allowed: capacity, expect, region, repeat)"
        in problems(tmp_path)
    )


# --------------------------------------------------------------------------- labs
def lab_problems(tmp_path: Path, steps: list[dict[str, Any]]) -> str:
    the_lab = lab(steps=steps)
    write_lesson(tmp_path, "01-x.md", yaml_block("lab", the_lab), labs=[the_lab["id"]])
    return problems(tmp_path)


def step(check: dict[str, Any], solution: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"text": "Do it.", "check": check, "solution": solution or []}


def test_unknown_check(tmp_path: Path) -> None:
    output = lab_problems(tmp_path, [step({"name": "table_exist", "args": {"table": "Books"}})])
    assert (
        "lab 'books-lab' step 1: unknown check 'table_exist' (did you mean table_exists" in output
    )


def test_bad_check_arguments(tmp_path: Path) -> None:
    output = lab_problems(
        tmp_path, [step({"name": "item_count", "args": {"tabel": "Books", "min": "3"}})]
    )
    assert "check 'item_count': unknown argument 'tabel'" in output
    assert "check 'item_count': missing argument 'table'" in output
    assert "check 'item_count': argument 'min' must be a whole number, not '3'" in output


def test_a_lab_whose_solution_does_not_pass(tmp_path: Path) -> None:
    wrong_table = {**CREATE_BOOKS, "TableName": "Novels"}
    output = lab_problems(
        tmp_path,
        [
            step(
                {"name": "table_exists", "args": {"table": "Books"}},
                [{"operation": "CreateTable", "request": wrong_table}],
            )
        ],
    )
    assert (
        "lab 'books-lab' step 1: after the solution, check 'table_exists' does not pass: "
        "There is no table named Books in your sandbox yet." in output
    )


def test_a_lab_that_passes_before_the_learner_does_anything(tmp_path: Path) -> None:
    output = lab_problems(tmp_path, [step({"name": "table_absent", "args": {"table": "Books"}})])
    assert "lab 'books-lab' step 1 passes before its own solution" in output


def test_a_failing_solution_request(tmp_path: Path) -> None:
    output = lab_problems(
        tmp_path,
        [
            step(
                {"name": "table_exists", "args": {"table": "Books"}},
                [{"operation": "PutItem", "request": {"TableName": "Books", "Item": {}}}],
            )
        ],
    )
    assert (
        "lab 'books-lab' step 1 solution (PutItem): fails with ResourceNotFoundException" in output
    )


def test_lab_yaml_that_does_not_parse(tmp_path: Path) -> None:
    write_lesson(tmp_path, "01-x.md", "```lab\nid: x\nsteps: [\n```\n", labs=["x"])
    output = problems(tmp_path)
    assert "lab YAML does not parse" in output
    assert "front matter lists lab 'x', but no valid ```lab block has that id" in output


def test_labs_and_front_matter_must_agree(tmp_path: Path) -> None:
    write_lesson(
        tmp_path, "01-x.md", yaml_block("lab", lab("first")) + yaml_block("lab", lab("first"))
    )
    output = problems(tmp_path)
    assert "lab 'first' is not listed in the front matter's labs" in output
    assert "two labs have the id 'first'" in output


def test_a_lab_may_be_defined_in_the_front_matter(tmp_path: Path) -> None:
    write_lesson(tmp_path, "01-x.md", "## Body\n" + QUIZ_BLOCK, labs=[checked_lab("in-front")])
    passed, output = check_lessons(tmp_path)
    assert passed, output
    assert "1 lab (3 steps)" in output


def test_a_step_needs_text_and_exactly_one_check_field(tmp_path: Path) -> None:
    output = lab_problems(
        tmp_path,
        [{"check": {"name": "table_exists", "args": {"table": "B"}}, "checks": [], "hint": ["x"]}],
    )
    assert "lab 'books-lab' step 1 needs text" in output
    assert "needs exactly one of check (one check) or checks (a list)" in output
    assert "unknown field(s) hint" in output


# --------------------------------------------------------------------------- quizzes
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"options": ["A", "B"], "answer": "C", "unit": None}, "answer must be one of the options"),
        (
            {"options": ["A", True], "answer": "A", "unit": None},
            "option 2 is not text (YAML read it as True",
        ),
        ({"answer": "three"}, "a numeric question needs a number as its answer"),
        ({"tolerance": -1}, "tolerance must be a number of at least 0"),
        ({"explanation": None}, "needs explanation"),
        ({"hint": ""}, "hint must be text"),
        ({"hint": {"Count": "the blocks"}}, "hint must be text (YAML read it as a mapping"),
    ],
)
def test_quiz_schema(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    data = {k: v for k, v in {**quiz(), **fields}.items() if v is not None}
    write_lesson(tmp_path, "01-x.md", yaml_block("quiz", data))
    assert message in problems(tmp_path)


# --------------------------------------------------------------------------- links
@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("[x](03-missing.md)", "link '03-missing.md': there is no lesson file 03-missing.md"),
        (
            "[x](02-other.md#nowhere)",
            "02-other.md has no heading or block with the anchor 'nowhere'",
        ),
        ("[x](#nowhere)", "link '#nowhere': this lesson has no heading or block with that anchor"),
        ("[x](/no/such/page/)", "link '/no/such/page/': no page of the site has that address"),
        ("[x](data/orders.json)", "link to another lesson by its file name"),
        ("[x](ftp://example.com/file)", "only http, https and mailto links may leave the site"),
    ],
)
def test_broken_links(tmp_path: Path, link: str, message: str) -> None:
    write_lesson(tmp_path, "01-x.md", f"## Here\n\nSee {link}.\n")
    write_lesson(tmp_path, "02-other.md", "## There\n")
    output = problems(tmp_path)
    assert f"01-x.md:10: link '{link[4:-1]}': " in output
    assert message in output


def test_good_links_pass(tmp_path: Path) -> None:
    write_lesson(
        tmp_path,
        "01-x.md",
        "## Here\n\n[a](#here) [b](02-other.md#there) [c](/learn/) [d](https://aws.amazon.com/)\n"
        + QUIZ_BLOCK,
    )
    write_lesson(tmp_path, "02-other.md", "## There\n" + QUIZ_BLOCK)
    passed, output = check_lessons(tmp_path)
    assert passed, output


# --------------------------------------------------------------------------- setup
def test_setup_files_must_exist_and_hold_requests(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.json").write_text(json.dumps([{"operation": "Nope", "request": {}}]))
    front = {
        **FRONT,
        "setup": [{"load": "data/missing.json"}, {"load": "data/bad.json"}, {"load": "../x.json"}],
    }
    write_lesson(tmp_path, "01-x.md", front=front)
    output = problems(tmp_path)
    assert "data/missing.json does not exist" in output
    assert "data/bad.json entry 1: unknown operation 'Nope'" in output
    assert "../x.json is outside the lessons folder" in output


def test_setup_runs_before_the_lessons_requests(tmp_path: Path) -> None:
    front = {**FRONT, "setup": [{"operation": "CreateTable", "request": CREATE_BOOKS}]}
    body = (
        request_block("PutItem", {"TableName": "Books", "Item": {"isbn": {"S": "1"}}}, "capacity=1")
        + QUIZ_BLOCK
    )
    write_lesson(tmp_path, "01-x.md", body, front=front)
    passed, output = check_lessons(tmp_path)
    assert passed, output


# --------------------------------------------------------------------------- lesson folders
def test_lessons_from_several_folders_are_ordered_by_file_name(tmp_path: Path, settings) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_lesson(first, "01-one.md", QUIZ_BLOCK)
    write_lesson(second, "02-two.md", QUIZ_BLOCK)
    write_lesson(first, "03-three.md", QUIZ_BLOCK)
    settings.DYNALAB_LESSON_DIRS = [first, second]
    from dynalab.course.lessons import get_course

    assert [lesson.slug for lesson in get_course().lessons] == ["one", "two", "three"]
    passed, output = check_lessons()
    assert passed, output
    assert output.startswith("Checked 3 lessons")


def test_two_lessons_may_not_share_a_name(tmp_path: Path) -> None:
    write_lesson(tmp_path / "a", "01-keys.md")
    write_lesson(tmp_path / "b", "02-keys.md")
    assert "lesson name 'keys' is also" in problems(tmp_path / "a", tmp_path / "b")


# --------------------------------------------------------------------------- the lab rules
def shelf_lesson(tmp_path: Path, the_lab: dict[str, Any], **kwargs: Any) -> str:
    checked_lesson(tmp_path, lab_data=the_lab, **kwargs)
    passed, output = check_lessons(tmp_path)
    return "" if passed else output


def test_a_lab_needs_three_steps_each_with_a_hint_and_a_solution(tmp_path: Path) -> None:
    the_lab = checked_lab()
    del the_lab["steps"][2]
    the_lab["steps"][1]["hints"] = []
    output = shelf_lesson(tmp_path, the_lab)
    assert "lab 'shelf-lab' has 2 step(s): a lab needs at least 3 checked steps" in output
    assert "lab 'shelf-lab' step 2 has no hints: give at least one" in output
    the_lab = checked_lab()
    the_lab["steps"][2]["solution"] = []
    output = shelf_lesson(tmp_path, the_lab)
    assert "lab 'shelf-lab' step 3 has no solution" in output


def test_a_lesson_needs_a_quiz(tmp_path: Path) -> None:
    write_lesson(tmp_path, "01-x.md", "## Only reading\n")
    assert "01-x.md: the lesson has no quiz: add at least one ```quiz block" in problems(tmp_path)


def test_a_step_passed_by_an_earlier_steps_solution(tmp_path: Path) -> None:
    # Step 1's solution already gives the book its title, and step 2 only checks the title.
    the_lab = checked_lab()
    the_lab["steps"][0]["solution"][1] = {
        "operation": "PutItem",
        "request": put_book("1", title="Dune"),
    }
    the_lab["steps"][1]["checks"] = the_lab["steps"][1]["checks"][:1]
    del the_lab["steps"][1]["counterexamples"]
    output = shelf_lesson(tmp_path, the_lab)
    assert "lab 'shelf-lab' step 2 passes before its own solution" in output


def test_a_step_the_lessons_own_request_blocks_pass(tmp_path: Path) -> None:
    # Step 3 asks for "a GetItem on Books", and the lesson has one: run again during the
    # step, the lesson's own example passes it.
    the_lab = checked_lab()
    the_lab["steps"][2]["check"]["args"] = {"operation": "GetItem", "table": "Books"}
    body = (
        request_block("CreateTable", CREATE_BOOKS)
        + request_block("PutItem", put_book("7"))
        + request_block("GetItem", get_book("7"))
        + yaml_block("lab", the_lab)
        + QUIZ_BLOCK
    )
    write_lesson(tmp_path, "01-x.md", body, labs=[the_lab["id"]])
    output = problems(tmp_path)
    assert (
        "lab 'shelf-lab' step 3 passes when the lesson's own request blocks are run during the "
        "step" in output
    )
    # Naming the item the step is about fixes it.
    the_lab["steps"][2]["check"]["args"]["key"] = {"isbn": {"S": "1"}}
    body = body.replace(yaml_block("lab", checked_lab()), "")
    write_lesson(
        tmp_path,
        "01-x.md",
        request_block("CreateTable", CREATE_BOOKS)
        + request_block("PutItem", put_book("7"))
        + request_block("GetItem", get_book("7"))
        + yaml_block("lab", the_lab)
        + QUIZ_BLOCK,
        labs=[the_lab["id"]],
    )
    passed, output = check_lessons(tmp_path)
    assert passed, output


def test_a_counterexample_that_passes_the_step_is_reported(tmp_path: Path) -> None:
    # Without item_written_by, step 2 cannot tell an update from a PutItem of the result.
    the_lab = checked_lab()
    the_lab["steps"][1]["checks"] = the_lab["steps"][1]["checks"][:1]
    output = shelf_lesson(tmp_path, the_lab)
    assert "lab 'shelf-lab' step 2 passes after its counterexample 1 (PutItem)" in output
    assert "accept work that is not the step's" in output


def test_a_step_that_locks_out_a_learner_who_strays(tmp_path: Path) -> None:
    # The setup puts book 1 back without copies; step 2 counts on step 1's "copies: 1".
    setup = [
        {"operation": "CreateTable", "request": CREATE_BOOKS},
        {"operation": "PutItem", "request": put_book("1")},
    ]
    add_one = {
        "operation": "UpdateItem",
        "request": {
            "TableName": "Books",
            "Key": {"isbn": {"S": "1"}},
            "UpdateExpression": "ADD copies :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        },
    }
    the_lab = checked_lab()
    the_lab["steps"][0] = {
        "text": "Give book 1 one copy.",
        "check": {
            "name": "attribute_equals",
            "args": {
                "table": "Books",
                "key": {"isbn": {"S": "1"}},
                "attribute": "copies",
                "value": {"N": "1"},
            },
        },
        "hints": ["ADD copies :one"],
        "solution": [add_one],
    }
    the_lab["steps"][1] = {
        "text": "Add a second copy.",
        "check": {
            "name": "attribute_equals",
            "args": {
                "table": "Books",
                "key": {"isbn": {"S": "1"}},
                "attribute": "copies",
                "value": {"N": "2"},
            },
        },
        "hints": ["ADD copies :one, again"],
        "solution": [add_one],
    }
    front = {**FRONT, "setup": setup}
    body = yaml_block("lab", the_lab) + QUIZ_BLOCK
    write_lesson(tmp_path, "01-x.md", body, front=front, labs=[the_lab["id"]])
    output = problems(tmp_path)
    assert "lab 'shelf-lab' step 2 locks out a learner who strays" in output
    assert 'copies holds {"N": "1"}, not {"N": "2"}' in output
    # A solution that sets the count itself works from anywhere.
    the_lab["steps"][1]["solution"] = [
        {
            "operation": "UpdateItem",
            "request": {
                "TableName": "Books",
                "Key": {"isbn": {"S": "1"}},
                "UpdateExpression": "SET copies = :two",
                "ExpressionAttributeValues": {":two": {"N": "2"}},
            },
        }
    ]
    write_lesson(
        tmp_path,
        "01-x.md",
        yaml_block("lab", the_lab) + QUIZ_BLOCK,
        front=front,
        labs=["shelf-lab"],
    )
    passed, output = check_lessons(tmp_path)
    assert passed, output


def test_a_solution_may_meet_a_table_the_learner_already_made(tmp_path: Path) -> None:
    # The request block creates Books before the lab; step 1's solution creates it again.
    checked_lesson(tmp_path)
    passed, output = check_lessons(tmp_path)
    assert passed, output
    assert "ResourceInUseException" not in output


def test_a_repeated_request_may_be_throttled_but_not_broken(tmp_path: Path) -> None:
    body = (
        request_block("CreateTable", CREATE_BOOKS)
        + request_block("PutItem", put_book("1"), "repeat=3")
        + request_block("PutItem", {"TableName": "Books", "Item": {}}, "repeat=2")
        + request_block("PutItem", put_book("2"), "repeat=2 capacity=1")
        + request_block("PutItem", put_book("3"), "repeat=500")
        + QUIZ_BLOCK
    )
    write_lesson(tmp_path, "01-x.md", body)
    output = problems(tmp_path)
    assert (
        "request-3 (PutItem): fails every one of its 2 runs, the first with ValidationException"
        in output
    )
    assert "a repeated request states no expect or capacity" in output
    assert "repeat must be a whole number from 1 to 100, not '500'" in output
    assert "request-2" not in output


def test_clock_moves_are_checked(tmp_path: Path) -> None:
    body = (
        request_block("AdvanceClock", {"seconds": 300})
        + request_block("AdvanceClock", {"seconds": -1})
        + request_block("AdvanceClock", {"minutes": 5})
        + QUIZ_BLOCK
    )
    write_lesson(tmp_path, "01-x.md", body)
    output = problems(tmp_path)
    assert output.count('AdvanceClock takes {"seconds": N}, N from 1 to 864,000') == 2
    assert "2 problems" in output


@pytest.mark.parametrize(
    ("counterexamples", "message"),
    [
        ([], "counterexamples must be a non-empty list of requests"),
        ("PutItem", "counterexamples must be a non-empty list of requests"),
        ([{"operation": "PutIt", "request": {}}], "unknown operation 'PutIt'"),
        ([[]], "counterexample 1 is empty"),
    ],
)
def test_counterexamples_must_be_requests(
    tmp_path: Path, counterexamples: Any, message: str
) -> None:
    the_lab = checked_lab()
    the_lab["steps"][1]["counterexamples"] = counterexamples
    output = shelf_lesson(tmp_path, the_lab)
    assert message in output
