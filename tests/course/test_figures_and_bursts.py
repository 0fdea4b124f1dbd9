"""Figures (SVG checked and drawn inline), clock moves and repeated requests in lessons."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from dynalab.course.figures import FigureError, clean_svg
from dynalab.course.lessons import load_lesson
from dynalab.sandboxes import selectors as sandbox_selectors
from dynalab.sandboxes import services as sandbox_services
from tests.support.course import CREATE_BOOKS, QUIZ_BLOCK, put_book, request_block, write_lesson

HTMX = {"HTTP_HX_REQUEST": "true"}
GOOD_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 100" width="800">'
    '<defs><marker id="arrow" viewBox="0 0 10 10"><path d="M 0 0 L 10 5 z"/></marker></defs>'
    "<!-- a note for authors -->"
    '<line x1="0" y1="0" x2="10" y2="10" marker-end="url(#arrow)"/>'
    '<text x="8" y="20">Tom &amp; "Jerry" &lt;3</text></svg>'
)


def figure_block(src: str = "figures/pic.svg", alt: str = "A picture.", **extra: str) -> str:
    lines = [f"src: {src}", f"alt: {alt}"] + [f"{k}: {v}" for k, v in extra.items()]
    return "```figure\n" + "\n".join(lines) + "\n```\n"


# --------------------------------------------------------------------------- the sanitiser
def test_clean_svg_keeps_drawing_and_renames_ids() -> None:
    cleaned = clean_svg(GOOD_SVG, prefix="figure-1")
    # The page sizes the picture: width and height go, the viewBox stays.
    assert cleaned.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 100">')
    assert 'id="figure-1-arrow"' in cleaned
    assert 'marker-end="url(#figure-1-arrow)"' in cleaned
    assert "Tom &amp; &quot;Jerry&quot; &lt;3" in cleaned
    assert "a note for authors" not in cleaned


@pytest.mark.parametrize(
    ("svg", "problem"),
    [
        ('<svg viewBox="0 0 1 1"><script>alert(1)</script></svg>', "<script> is not allowed"),
        ('<svg viewBox="0 0 1 1"><rect onclick="x()"/></svg>', "attribute 'onclick' on <rect>"),
        ('<svg viewBox="0 0 1 1"><rect style="fill:red"/></svg>', "attribute 'style' on <rect>"),
        (
            '<svg viewBox="0 0 1 1" xmlns:xlink="http://www.w3.org/1999/xlink">'
            '<use xlink:href="#a"/></svg>',
            "<use> is not allowed",
        ),
        ('<svg viewBox="0 0 1 1"><image href="http://x/y.png"/></svg>', "<image> is not allowed"),
        ('<svg viewBox="0 0 1 1"><rect fill="url(http://x/y)"/></svg>', "the value of 'fill'"),
        ('<svg viewBox="0 0 1 1"><foreignObject/></svg>', "<foreignObject> is not allowed"),
        ("<svg><rect/></svg>", "needs a viewBox"),
        ("<html/>", "root element must be <svg>"),
        ("<svg", "does not parse"),
        ('<!DOCTYPE svg [<!ENTITY a "b">]><svg viewBox="0 0 1 1"/>', "DOCTYPE or entities"),
    ],
)
def test_clean_svg_refuses_anything_but_drawing(svg: str, problem: str) -> None:
    with pytest.raises(FigureError, match=problem):
        clean_svg(svg, prefix="f")


# --------------------------------------------------------------------------- figure blocks
def test_a_figure_is_drawn_inline_with_its_alt_text(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "pic.svg").write_text(GOOD_SVG)
    path = write_lesson(
        tmp_path, "01-x.md", "## Pictures\n\n" + figure_block(caption="See [the map](/learn/).")
    )
    lesson = load_lesson(path)
    assert lesson.problems == []
    html = "".join(segment.html for segment in lesson.segments)
    assert '<figure id="figure-1" class="lesson-figure">' in html
    assert '<svg role="img" aria-labelledby="figure-1-alt"' in html
    assert '<title id="figure-1-alt">A picture.</title>' in html
    assert '<figcaption class="lesson-figure-caption">See <a href="/learn/">the map</a>.' in html
    assert "figure-1" in lesson.anchors


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        (figure_block(src="figures/missing.svg"), "figure: figures/missing.svg does not exist"),
        (figure_block(src="../outside.svg"), "is outside the lessons folder"),
        (figure_block(src="figures/pic.png"), "src must be the path of an .svg file"),
        ("```figure\nsrc: figures/pic.svg\n```\n", "alt must say in words what the picture shows"),
        (figure_block(size="big"), "unknown field(s) size"),
        (figure_block(src="figures/bad.svg"), "figure figures/bad.svg: <script> is not allowed"),
    ],
)
def test_broken_figures_are_reported(tmp_path: Path, block: str, problem: str) -> None:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "pic.png").write_bytes(b"png")
    (tmp_path / "figures" / "bad.svg").write_text('<svg viewBox="0 0 1 1"><script/></svg>')
    lesson = load_lesson(write_lesson(tmp_path, "01-x.md", block))
    assert any(problem in str(p) for p in lesson.problems), lesson.problems


def test_the_real_figures_are_clean() -> None:
    from django.conf import settings

    figures = sorted(Path(settings.BASE_DIR, "lessons", "figures").glob("*.svg"))
    assert len(figures) >= 10
    for path in figures:
        clean_svg(path.read_text(), prefix="f")


# --------------------------------------------------------------------------- clock and bursts


@pytest.mark.django_db
def test_a_clock_move_runs_in_the_learners_sandbox(client: Client, lessons_dir: Path) -> None:
    write_lesson(
        lessons_dir, "01-clock.md", request_block("AdvanceClock", {"seconds": 300}) + QUIZ_BLOCK
    )
    page = client.get("/learn/clock/").content.decode()
    assert "Move the clock forward <strong>5 minutes</strong>" in page
    assert "Open in workbench" not in page
    request = client.get("/learn/clock/").wsgi_request
    sandbox = sandbox_services.sandbox_for_request(request)
    before = sandbox_services.simulated_now(sandbox)
    response = client.post("/learn/clock/requests/request-1/run/", **HTMX)
    assert "Your sandbox's clock moved forward 5 minutes." in response.content.decode()
    assert sandbox_services.simulated_now(sandbox) - before >= 300


@pytest.mark.django_db
def test_a_repeated_request_reports_every_run(client: Client, lessons_dir: Path) -> None:
    body = (
        request_block("CreateTable", CREATE_BOOKS)
        + request_block(
            "PutItem",
            {**put_book("1"), "ConditionExpression": "attribute_not_exists(isbn)"},
            "repeat=3",
        )
        + QUIZ_BLOCK
    )
    write_lesson(lessons_dir, "01-burst.md", body)
    page = client.get("/learn/burst/").content.decode()
    assert "sent 3 times at once" in page and "Send it 3 times" in page
    client.post("/learn/burst/requests/request-1/run/", **HTMX)
    html = client.post("/learn/burst/requests/request-2/run/", **HTMX).content.decode()
    assert "Sent 3 times at once: 1 succeeded, 2 failed with" in html
    assert "ConditionalCheckFailedException" in html
    request = client.get("/learn/burst/").wsgi_request
    sandbox = sandbox_services.sandbox_for_request(request)
    puts = [a for a in sandbox_selectors.recent_activity(sandbox) if a.operation == "PutItem"]
    assert [a.status for a in reversed(puts)] == [
        "ok",
        "ConditionalCheckFailedException",
        "ConditionalCheckFailedException",
    ]
