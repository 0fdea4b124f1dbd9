"""Rendering a lesson: markdown features, each interactive block, and escaping of lesson text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from dynalab.course import lessons
from tests.support.course import CREATE_BOOKS, lab, quiz, request_block, write_lesson, yaml_block


def html_of(lesson: lessons.Lesson) -> str:
    return "".join(segment.html for segment in lesson.segments)


def load(folder: Path, body: str, **kwargs) -> lessons.Lesson:
    return lessons.load_lesson(write_lesson(folder, "01-test.md", body, **kwargs))


# --------------------------------------------------------------------------- markdown
def test_headings_get_ids_and_permalinks(tmp_path: Path) -> None:
    lesson = load(tmp_path, "## Partition keys\n\n### The bookshelf picture\n")
    html = html_of(lesson)
    assert (
        '<h2 id="partition-keys">Partition keys <a class="header-anchor" href="#partition-keys"'
        in html
    )
    assert '<h3 id="the-bookshelf-picture">' in html
    assert {"partition-keys", "the-bookshelf-picture"} <= lesson.anchors
    assert lesson.problems == []


def test_a_level_one_heading_in_the_body_is_an_authoring_error(tmp_path: Path) -> None:
    lesson = load(tmp_path, "Intro.\n\n# Title again\n")
    assert [(p.line, "level-1 heading" in p.message) for p in lesson.problems] == [(10, True)]


def test_tables_render_in_a_scrolling_wrapper(tmp_path: Path) -> None:
    html = html_of(load(tmp_path, "| Unit | Size |\n| --- | --- |\n| WCU | 1 KB |\n"))
    assert '<div class="table-scroll"><table>' in html
    assert "<th>Unit</th>" in html
    assert "<td>1 KB</td>" in html


def test_code_is_highlighted_with_inline_styles(tmp_path: Path) -> None:
    html = html_of(load(tmp_path, '```python\nprint("hi")\n```\n'))
    assert '<pre><code class="language-python">' in html
    assert '<span style="color: ' in html
    assert "print" in html


def test_code_in_an_unknown_language_is_escaped_text(tmp_path: Path) -> None:
    html = html_of(load(tmp_path, "```nosuchlanguage\n<b>bold</b>\n```\n"))
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize(
    ("marker", "title", "colour"),
    [
        ("NOTE", "Note", "border-sky-500"),
        ("TIP", "Tip", "border-emerald-500"),
        ("WARNING", "Warning", "border-amber-500"),
    ],
)
def test_callouts(tmp_path: Path, marker: str, title: str, colour: str) -> None:
    html = html_of(load(tmp_path, f"> [!{marker}]\n> Mind the **4 KB** rounding.\n"))
    assert re.search(rf'<aside role="note" class="[^"]*{colour}', html)
    assert f">\n{title}</p>" in html or f">{title}</p>" in html
    assert "Mind the <strong>4 KB</strong> rounding." in html
    assert html.count("</aside>") == 1


def test_raw_html_in_a_lesson_is_escaped(tmp_path: Path) -> None:
    html = html_of(
        load(tmp_path, 'Hello <script>alert(1)</script> and <img src=x onerror="x()">\n')
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html


def test_links_to_lesson_files_become_lesson_urls(tmp_path: Path) -> None:
    html = html_of(load(tmp_path, "See [keys](05-primary-keys.md#the-bookshelf-picture).\n"))
    assert '<a href="/learn/primary-keys/#the-bookshelf-picture">keys</a>' in html


# --------------------------------------------------------------------------- request blocks
def test_a_request_block_is_parsed_and_kept_out_of_the_prose(tmp_path: Path) -> None:
    lesson = load(
        tmp_path,
        "Before.\n\n" + request_block("CreateTable", CREATE_BOOKS, "capacity=0") + "\nAfter.\n",
    )
    kinds = [segment.kind for segment in lesson.segments]
    assert kinds == ["html", "request", "html"]
    request = lesson.segments[1].block
    assert (request.key, request.operation, request.body) == (
        "request-1",
        "CreateTable",
        CREATE_BOOKS,
    )
    assert request.line == 10
    assert lesson.requests["request-1"] is request


def test_a_request_block_may_be_one_json_object(tmp_path: Path) -> None:
    body = '```request\n{"operation": "ListTables", "request": {"Limit": 5}}\n```\n'
    request = load(tmp_path, body).segments[0].block
    assert (request.operation, request.body) == ("ListTables", {"Limit": 5})


def test_an_interactive_block_inside_a_list_is_an_authoring_error(tmp_path: Path) -> None:
    lesson = load(tmp_path, "- item\n\n  ```request\n  ListTables\n  ```\n")
    assert any("must stand on its own" in p.message for p in lesson.problems)


# --------------------------------------------------------------------------- pages
@pytest.fixture
def page_lesson(lessons_dir: Path, db: None) -> Path:
    risky_lab = lab(
        steps=[
            {
                "text": "Create `Books` <script>alert('step')</script>.",
                "check": {"name": "table_exists", "args": {"table": "Books"}},
                "hints": ["First hint <b>bold</b>", "Second hint"],
                "solution": [{"operation": "CreateTable", "request": CREATE_BOOKS}],
            },
            {
                "text": "Put book 1.",
                "check": {
                    "name": "item_exists",
                    "args": {"table": "Books", "key": {"isbn": {"S": "1"}}},
                },
                "solution": [
                    {
                        "operation": "PutItem",
                        "request": {"TableName": "Books", "Item": {"isbn": {"S": "1"}}},
                    }
                ],
            },
        ],
        title="Lab <em>title</em>",
    )
    body = (
        "## Try it\n\n"
        + request_block(
            "PutItem",
            {"TableName": "Books", "Item": {"isbn": {"S": "</code><script>x()</script>"}}},
        )
        + "\n"
        + yaml_block("lab", risky_lab)
        + "\n"
        + yaml_block(
            "quiz",
            quiz(
                "choice",
                question="Which <img src=x onerror=alert(1)> model?",
                options=["Key-value", "`Graph` <i>db</i>"],
                answer="Key-value",
                unit=None,
            ),
        ).replace("unit: null\n", "")
        + "\n"
        + yaml_block("quiz", quiz("number"))
    )
    return write_lesson(lessons_dir, "01-page.md", body, labs=["books-lab"])


def test_the_lesson_page_renders_every_block(client: Client, page_lesson: Path) -> None:
    response = client.get("/learn/page/")
    assert response.status_code == 200, response.content
    html = response.content.decode()
    # The request block: operation, highlighted JSON, a Run button posting to its URL.
    assert '<div id="block-request-1"' in html
    assert 'hx-post="/learn/page/requests/request-1/run/"' in html
    assert "Run in my sandbox" in html
    # The lab: numbered steps with Check and Hint (hints hidden until asked); the solution
    # only after an attempt.
    assert 'id="lab-books-lab"' in html
    assert 'hx-post="/learn/page/labs/books-lab/steps/1/check/"' in html
    assert 'hx-post="/learn/page/labs/books-lab/steps/1/hint/"' in html
    assert 'hx-post="/learn/page/labs/books-lab/steps/1/solution/"' not in html
    assert "The solution appears after you press Check once or read every hint." in html
    assert "Hint <span" in html and "(2 left)" in html
    assert "First hint" not in html
    assert "0 of 2 steps done" in html
    # The quizzes: radio buttons for choices, a text box and its unit for a number.
    assert 'type="radio" name="answer" value="Key-value"' in html
    assert 'inputmode="decimal"' in html and "(in WCU)" in html


def test_lesson_text_in_blocks_is_escaped(client: Client, page_lesson: Path) -> None:
    html = client.get("/learn/page/").content.decode()
    assert "<script>" not in html.split("</head>", 1)[1].replace('<script src="', "")
    assert (
        "&lt;script&gt;alert(&#x27;step&#x27;)&lt;/script&gt;" in html
        or "&lt;script&gt;alert('step')&lt;/script&gt;" in html
    )
    assert "Lab &lt;em&gt;title&lt;/em&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # An option is inline markdown: code is kept, raw HTML escaped.
    assert "<code>Graph</code> &lt;i&gt;db&lt;/i&gt;" in html
    # A string inside request JSON cannot close the code block.
    assert "&lt;/code&gt;&lt;script&gt;x()&lt;/script&gt;" in html


def test_block_ids_are_anchors_for_links(page_lesson: Path) -> None:
    lesson = lessons.load_lesson(page_lesson)
    assert {"lab-books-lab", "quiz-choice", "quiz-number", "block-request-1"} <= lesson.anchors


def test_lab_steps_are_numbered_in_order(page_lesson: Path) -> None:
    lab_block = lessons.load_lesson(page_lesson).lab("books-lab")
    assert [step.number for step in lab_block.steps] == [1, 2]
    assert lab_block.step(2) is lab_block.steps[1]
    assert lab_block.step(3) is None
