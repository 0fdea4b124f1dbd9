"""Loading the course: every lesson file in the lesson folders, parsed, rendered and cross-checked.

The folders are ``settings.DYNALAB_LESSON_DIRS`` (lessons/ by default). A lesson is any
``*.md`` file directly in one of them except README.md; lessons are ordered by file name
across all folders. ``get_course()`` keeps the loaded course in memory and loads it again
when a file in a lesson folder changes, so an author sees an edit on the next page load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from dynalab.course import blocks, rendering
from dynalab.course.blocks import Lab, Problem, Quiz, Report, Request

FRONT_MATTER_FIELDS = {"title", "summary", "objectives", "minutes", "labs", "setup"}
REQUIRED_FIELDS = ("title", "summary", "objectives", "minutes")


@dataclass
class Lesson:
    slug: str
    path: Path
    #: 1-based place in the course.
    number: int = 0
    title: str = ""
    summary: str = ""
    objectives: tuple[str, ...] = ()
    minutes: int = 0
    #: Requests that prepare a sandbox for this lesson (front matter ``setup``).
    setup: tuple[Request, ...] = ()
    labs: tuple[Lab, ...] = ()
    quizzes: tuple[Quiz, ...] = ()
    #: Every runnable request by key: request blocks, setup and lab solutions.
    requests: dict[str, Request] = field(default_factory=dict)
    segments: tuple[rendering.Segment, ...] = ()
    #: Request, lab and quiz blocks in document order (labs defined in front matter last).
    blocks: tuple[tuple[str, Any], ...] = ()
    heading_ids: frozenset[str] = frozenset()
    links: tuple[rendering.Link, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    @property
    def display_path(self) -> str:
        return display_path(self.path)

    def lab(self, lab_id: str) -> Lab | None:
        return next((lab for lab in self.labs if lab.id == lab_id), None)

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((quiz for quiz in self.quizzes if quiz.id == quiz_id), None)

    @property
    def step_count(self) -> int:
        return sum(len(lab.steps) for lab in self.labs)

    @property
    def anchors(self) -> frozenset[str]:
        """Ids a link may point at: headings and the interactive blocks."""
        ids = set(self.heading_ids)
        ids.update(f"lab-{lab.id}" for lab in self.labs)
        ids.update(f"quiz-{quiz.id}" for quiz in self.quizzes)
        ids.update(f"block-{key}" for key in self.requests)
        return frozenset(ids)


@dataclass
class Course:
    lessons: tuple[Lesson, ...]

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        index = self.lessons.index(lesson)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following

    @property
    def problems(self) -> list[Problem]:
        return [problem for lesson in self.lessons for problem in lesson.problems]


def display_path(path: Path) -> str:
    """A path relative to the project when it is inside it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- one lesson
def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter YAML or None, body, number of lines before the body)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 0
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 1
    return None, text, 0


def load_lesson(path: Path, *, number: int = 0) -> Lesson:
    """Parse and render one lesson file; what is wrong with it is in ``lesson.problems``."""
    lesson = Lesson(slug=rendering.lesson_slug(path.name), path=path, number=number)
    report = Report(lesson.display_path)
    lesson.problems = report.problems
    if not blocks.SLUG.match(lesson.slug):
        report.add(None, f"the file name must give a URL-safe lesson name, not {lesson.slug!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        report.add(None, f"cannot read the lesson: {error}")
        return lesson
    front_text, body, body_offset = split_front_matter(text)
    if front_text is None:
        report.add(1, "the lesson must start with YAML front matter between --- lines")
        return lesson
    front = _parse_front_matter(front_text, lesson, path.parent, report)
    rendered = rendering.render_body(
        body, line_offset=body_offset, report=report, folder=path.parent
    )
    if rendered.has_h1:
        report.add(
            rendered.has_h1,
            "use ## headings in the body: the page's only level-1 heading is the lesson's title",
        )
    segments = list(rendered.segments)
    ordered = list(rendered.blocks)
    labs = [block for kind, block in rendered.blocks if kind == "lab"]
    listed = front.get("labs") or []
    listed_ids = []
    for entry in listed:
        if isinstance(entry, str):
            listed_ids.append(entry)
            continue
        lab = blocks.parse_lab_data(
            entry,
            offset=1,
            line=blocks.line_of(entry, 1, 1),
            render=rendering.text_renderer(list(rendered.links), 1),
            report=report,
        )
        if lab is not None:
            labs.append(lab)
            listed_ids.append(lab.id)
            segments.append(rendering.Segment("lab", block=lab))
            ordered.append(("lab", lab))
    labs_line = blocks.key_line(front, "labs", 1, 2)
    for lab_id in listed_ids:
        if lab_id not in [lab.id for lab in labs]:
            report.add(
                labs_line,
                f"front matter lists lab {lab_id!r}, but no valid ```lab block has that id",
            )
    for kind, block in rendered.blocks:
        if kind == "lab" and block.id not in listed_ids:
            report.add(block.line, f"lab {block.id!r} is not listed in the front matter's labs")
    _unique([lab.id for lab in labs], "lab", report)
    quizzes = [block for kind, block in rendered.blocks if kind == "quiz"]
    _unique([quiz.id for quiz in quizzes], "quiz", report)
    lesson.labs, lesson.quizzes = tuple(labs), tuple(quizzes)
    lesson.segments, lesson.blocks = tuple(segments), tuple(ordered)
    lesson.heading_ids, lesson.links = frozenset(rendered.heading_ids), tuple(rendered.links)
    requests: dict[str, Request] = {r.key: r for r in lesson.setup}
    for kind, block in ordered:
        if kind == "request":
            requests[block.key] = block
        elif kind == "lab":
            requests.update({r.key: r for step in block.steps for r in step.solution})
    lesson.requests = requests
    return lesson


def _unique(ids: list[str], what: str, report: Report) -> None:
    seen = set()
    for item_id in ids:
        if item_id in seen:
            report.add(None, f"two {what}s have the id {item_id!r}")
        seen.add(item_id)


def _parse_front_matter(text: str, lesson: Lesson, folder: Path, report: Report) -> dict[str, Any]:
    try:
        front = blocks.load_yaml(text)
    except blocks.YamlError as error:
        report.add(1 + (error.line or 0), f"front matter YAML does not parse: {error}")
        return {}
    if not isinstance(front, dict):
        report.add(1, "front matter must be a YAML mapping (title: ..., summary: ...)")
        return {}

    def line(key: str) -> int | None:
        return blocks.key_line(front, key, 1, 2)

    for name in sorted(str(k) for k in set(front) - FRONT_MATTER_FIELDS):
        report.add(
            line(name),
            f"unknown front matter field {name!r} (allowed: {', '.join(sorted(FRONT_MATTER_FIELDS))})",
        )
    for name in REQUIRED_FIELDS:
        if name not in front:
            report.add(1, f"front matter needs {name}")
    for name in ("title", "summary"):
        value = front.get(name)
        if name in front and (not isinstance(value, str) or not value.strip()):
            report.add(line(name), f"front matter {name} must be text")
        elif isinstance(value, str):
            setattr(lesson, name, value.strip())
    objectives = front.get("objectives")
    if "objectives" in front:
        if not isinstance(objectives, list) or not objectives:
            report.add(
                line("objectives"), "front matter objectives must be a non-empty list of texts"
            )
        elif not all(isinstance(o, str) and o.strip() for o in objectives):
            for number, objective in enumerate(objectives, start=1):
                if not (isinstance(objective, str) and objective.strip()):
                    report.add(
                        line("objectives"),
                        f"objective {number} is not text{blocks.yaml_text_advice(objective)}",
                    )
        else:
            lesson.objectives = tuple(o.strip() for o in objectives)
    minutes = front.get("minutes")
    if "minutes" in front:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 180:
            report.add(
                line("minutes"), f"front matter minutes must be a whole number, not {minutes!r}"
            )
        else:
            lesson.minutes = minutes
    labs = front.get("labs")
    if labs is not None and not isinstance(labs, list):
        report.add(line("labs"), "front matter labs must be a list of lab ids (or lab definitions)")
        front["labs"] = []
    elif isinstance(labs, list):
        for entry in labs:
            if not isinstance(entry, str | dict):
                report.add(
                    line("labs"), f"front matter labs: {entry!r} is neither a lab id nor a lab"
                )
        front["labs"] = [e for e in labs if isinstance(e, str | dict)]
    lesson.setup = blocks.parse_setup(
        front.get("setup"), folder=folder, line=line("setup"), offset=1, report=report
    )
    return front


# --------------------------------------------------------------------------- the course
def lesson_dirs() -> list[Path]:
    configured = getattr(settings, "DYNALAB_LESSON_DIRS", None) or [
        Path(settings.BASE_DIR) / "lessons"
    ]
    return [
        Path(settings.BASE_DIR, d) if not Path(d).is_absolute() else Path(d) for d in configured
    ]


def lesson_files(dirs: Iterable[Path]) -> list[Path]:
    """Lesson files of all folders, ordered by file name (then by folder order)."""
    found = []
    for order, folder in enumerate(dirs):
        if not folder.is_dir():
            continue
        for path in folder.glob("*.md"):
            if path.name.lower() != "readme.md" and path.is_file():
                found.append((path.name, order, path))
    return [path for _, _, path in sorted(found)]


def load_course(paths: Sequence[Path] | None = None) -> Course:
    """Load the lessons (``paths``: folders or files; default the configured folders)."""
    files: list[Path] = []
    folders = [Path(p) for p in paths] if paths is not None else lesson_dirs()
    plain_files = [p for p in folders if p.is_file()]
    files = lesson_files([p for p in folders if p.is_dir()])
    files = sorted(set(files + plain_files), key=lambda p: (p.name, str(p)))
    lessons = tuple(load_lesson(path, number=n) for n, path in enumerate(files, start=1))
    course = Course(lessons)
    _check_course(course, missing=[p for p in folders if not p.exists()])
    return course


def _check_course(course: Course, *, missing: list[Path]) -> None:
    for path in missing:
        if course.lessons:
            course.lessons[0].problems.append(
                Problem(display_path(path), None, "lesson folder does not exist")
            )
    by_slug: dict[str, Lesson] = {}
    for lesson in course.lessons:
        other = by_slug.get(lesson.slug)
        if other is not None:
            lesson.problems.append(
                Problem(
                    lesson.display_path,
                    None,
                    f"lesson name {lesson.slug!r} is also {other.display_path}'s: rename one file",
                )
            )
        by_slug.setdefault(lesson.slug, lesson)
    by_path = {lesson.path.resolve(): lesson for lesson in course.lessons}
    for lesson in course.lessons:
        for link in lesson.links:
            problem = _link_problem(link.href, lesson, by_path)
            if problem:
                lesson.problems.append(Problem(lesson.display_path, link.line, problem))


def _link_problem(href: str, lesson: Lesson, by_path: dict[Path, Lesson]) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if parts.scheme in ("http", "https", "mailto"):
            return None
        return f"link {href!r}: only http, https and mailto links may leave the site"
    if not parts.path:
        if parts.fragment and parts.fragment not in lesson.anchors:
            return f"link {href!r}: this lesson has no heading or block with that anchor"
        return None
    if parts.path.startswith("/"):
        try:
            resolve(parts.path)
        except Resolver404:
            return f"link {href!r}: no page of the site has that address"
        return None
    if not parts.path.endswith(".md"):
        return f"link {href!r}: link to another lesson by its file name (e.g. 05-primary-keys.md)"
    target = by_path.get((lesson.path.parent / parts.path).resolve())
    if target is None:
        return f"link {href!r}: there is no lesson file {parts.path}"
    if parts.fragment and parts.fragment not in target.anchors:
        return f"link {href!r}: {parts.path} has no heading or block with the anchor {parts.fragment!r}"
    return None


_cache_lock = threading.Lock()
_cache: dict[str, Any] = {"signature": None, "course": None}


def _signature(dirs: list[Path]) -> tuple[Any, ...]:
    """Names, sizes and modification times of everything in the lesson folders."""
    entries = []
    for folder in dirs:
        if not folder.is_dir():
            entries.append((str(folder), None))
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def get_course() -> Course:
    """The course as the site serves it, loaded again whenever a lesson file changed."""
    dirs = lesson_dirs()
    signature = (tuple(map(str, dirs)), _signature(dirs))
    with _cache_lock:
        if _cache["signature"] != signature:
            _cache["course"] = load_course(dirs)
            _cache["signature"] = signature
        return _cache["course"]
