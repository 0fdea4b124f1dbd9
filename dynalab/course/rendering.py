"""Lesson markdown to HTML with markdown-it-py.

A lesson body becomes a list of segments: runs of ordinary HTML, and the interactive blocks
(```request, ```lab, ```quiz) as parsed objects that the lesson template renders with the
learner's state. What the renderer does:

- CommonMark with tables and strikethrough; raw HTML in a lesson is escaped, never passed on.
- Headings (levels 2-4) get ids and a permalink; the ids are collected for link checking.
- GitHub-style callouts, ``> [!NOTE]``, ``> [!TIP]``, ``> [!WARNING]`` (also IMPORTANT,
  CAUTION), drawn by templates/course/_callout_open.html.
- Code fences are highlighted by Pygments with inline styles (no extra stylesheet).
- Links to another lesson's file (``05-primary-keys.md#anchor``) become its URL; every link is
  recorded with its line so ``check_lessons`` can check it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.template.loader import render_to_string
from django.utils.html import escape
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from dynalab.course import blocks
from dynalab.course.blocks import Report

INTERACTIVE = ("request", "lab", "quiz")
CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution")
BLOCK_MARKER = re.compile(r"<!--dynalab-block:(\d+)-->")
# The permalink text is decorative; screen readers get the aria-label instead.
PERMALINK = '<a class="header-anchor" href="#{slug}" aria-label="Link to this section">#</a>'

_FORMATTER = HtmlFormatter(nowrap=True, noclasses=True, style="github-dark")


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Link:
    href: str
    line: int | None


@dataclass(frozen=True)
class Segment:
    """Ordinary HTML (``kind == "html"``) or one interactive block (``block``)."""

    kind: str
    html: str = ""
    block: Any = None


@dataclass
class RenderedBody:
    segments: list[Segment] = field(default_factory=list)
    heading_ids: set[str] = field(default_factory=set)
    links: list[Link] = field(default_factory=list)
    #: In document order: ("request" | "lab" | "quiz", block), for check_lessons' rehearsal.
    blocks: list[tuple[str, Any]] = field(default_factory=list)
    has_h1: int | None = None


# --------------------------------------------------------------------------- helpers
def highlight(code: str, language: str) -> str:
    """Pygments HTML (inline styles, no wrapper) for ``code``; plain escaped text if the
    language is unknown."""
    if not language:
        return escape(code)
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return escape(code)
    return pygments_highlight(code, lexer, _FORMATTER)


def code_block(code: str, language: str) -> str:
    language_class = f' class="language-{escape(language)}"' if language else ""
    return f"<pre><code{language_class}>{highlight(code, language)}</code></pre>\n"


def lesson_slug(file_name: str) -> str:
    """``05-primary-keys.md`` -> ``primary-keys``: the number orders lessons, the rest is the
    URL, so renumbering a lesson keeps its address and the learners' progress."""
    stem = Path(file_name).stem.lower()
    return re.sub(r"^\d+[-_.]*", "", stem) or stem


def is_lesson_link(href: str) -> bool:
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc and parts.path.endswith(".md")


# --------------------------------------------------------------------------- markdown-it rules
def _render_fence(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    if "html" in token.meta:
        return token.meta["html"]
    if "block_index" in token.meta:
        return f"<!--dynalab-block:{token.meta['block_index']}-->"
    language = token.info.split()[0] if token.info.strip() else ""
    return code_block(token.content, language)


def _render_code_block(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return code_block(tokens[idx].content, "")


def _render_alert_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    kind = str(tokens[idx].meta.get("kind", "note")).lower()
    return render_to_string("course/_callout_open.html", {"kind": kind})


def _render_alert_close(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return "</aside>\n"


def _render_alert_title_open(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict
) -> str:
    return ""  # the title's <p> is opened by _callout_open.html


def _render_alert_title_close(
    self: Any, tokens: list[Token], idx: int, options: Any, env: dict
) -> str:
    return "</p>\n"


def _render_table_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return '<div class="table-scroll"><table>\n'


def _render_table_close(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return "</table></div>\n"


def _rewrite_links(state: StateCore) -> None:
    """Record every link; turn links to lesson files into lesson URLs."""
    links = state.env.setdefault("links", [])
    line_offset = state.env.get("line_offset", 0)
    fixed_line = state.env.get("fixed_line")
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        line = fixed_line or (line_offset + token.map[0] + 1 if token.map else None)
        for child in token.children:
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            links.append(Link(href, line))
            if is_lesson_link(href):
                parts = urlsplit(href)
                url = _lesson_url(lesson_slug(parts.path))
                child.attrSet("href", url + (f"#{parts.fragment}" if parts.fragment else ""))


def _lesson_url(slug: str) -> str:
    from django.urls import reverse

    return reverse("course:lesson", args=[slug])


def _permalinks(state: StateCore) -> None:
    for index, token in enumerate(state.tokens):
        if token.type == "heading_open" and token.attrGet("id") and token.tag != "h1":
            inline = state.tokens[index + 1]
            link = Token("html_inline", "", 0, content=PERMALINK.format(slug=token.attrGet("id")))
            inline.children = [*(inline.children or []), Token("text", "", 0, content=" "), link]


def _base_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "alerts": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("alert_open", _render_alert_open)
    md.add_render_rule("alert_close", _render_alert_close)
    md.add_render_rule("alert_title_open", _render_alert_title_open)
    md.add_render_rule("alert_title_close", _render_alert_title_close)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    md.core.ruler.push("dynalab_links", _rewrite_links)
    return md


@lru_cache(maxsize=1)
def body_markdown() -> MarkdownIt:
    """The renderer for a lesson body: headings get ids and permalinks."""
    md = _base_markdown()
    md.use(anchors_plugin, min_level=2, max_level=4)
    md.core.ruler.push("dynalab_permalinks", _permalinks)
    return md


@lru_cache(maxsize=1)
def text_markdown() -> MarkdownIt:
    """The renderer for text inside blocks (a step, a hint, an explanation): no heading ids,
    so a block cannot clash with the page's anchors."""
    return _base_markdown()


def _figure(
    token: Token,
    number: int,
    line: int,
    folder: Path | None,
    result: RenderedBody,
    report: Report,
) -> str:
    """A ```figure block's HTML (an empty string when it is broken; the report says why)."""
    from dynalab.course import figures

    if token.level > 0:
        report.add(line, "a ```figure block must stand on its own, not inside a list or quote")
        return ""
    blocks.parse_info(token.info, allowed=set(), line=line, report=report)
    try:
        data = blocks.load_yaml(token.content)
    except blocks.YamlError as error:
        report.add(line + (error.line or 1), f"figure YAML does not parse: {error}")
        return ""
    if folder is None:
        report.add(line, "figures need the lesson's folder")
        return ""
    dom_id = f"figure-{number}"
    figure, problems = figures.load_figure(
        data,
        folder=folder,
        prefix=dom_id,
        render_caption=inline_renderer(result.links, line),
    )
    for problem in problems:
        report.add(line, problem)
    if figure is None:
        return ""
    result.heading_ids.add(dom_id)
    return figures.figure_html(figure, dom_id=dom_id)


# --------------------------------------------------------------------------- entry points
def text_renderer(links: list[Link], line: int | None) -> Callable[[str], str]:
    """Render a block's markdown text, recording its links under the block's line."""

    def render(text: str) -> str:
        env = {"links": links, "fixed_line": line}
        return text_markdown().render(text, env)

    return render


def inline_renderer(links: list[Link], line: int | None) -> Callable[[str], str]:
    def render(text: str) -> str:
        env = {"links": links, "fixed_line": line}
        return text_markdown().renderInline(text, env)

    return render


def render_body(
    text: str, *, line_offset: int, report: Report, folder: Path | None = None
) -> RenderedBody:
    """Render a lesson body whose first line is file line ``line_offset + 1``; ``folder``
    is where its figures' files are found (the lesson's folder)."""
    md = body_markdown()
    result = RenderedBody()
    env: dict[str, Any] = {"links": result.links, "line_offset": line_offset}
    tokens = md.parse(text, env)
    parsed: list[Any] = []
    request_number = 0
    figure_number = 0
    for token in tokens:
        if token.type == "heading_open":
            if token.attrGet("id"):
                result.heading_ids.add(str(token.attrGet("id")))
            if token.tag == "h1" and result.has_h1 is None and token.map:
                result.has_h1 = line_offset + token.map[0] + 1
        if token.type != "fence":
            continue
        kind = token.info.split()[0] if token.info.strip() else ""
        if kind == "figure":
            figure_number += 1
            fence_line = line_offset + token.map[0] + 1 if token.map else line_offset + 1
            token.meta["html"] = _figure(token, figure_number, fence_line, folder, result, report)
            continue
        if kind not in INTERACTIVE:
            continue
        fence_line = line_offset + token.map[0] + 1 if token.map else line_offset + 1
        if token.level > 0:
            report.add(
                fence_line,
                f"a ```{kind} block must stand on its own, not inside a list, quote or callout",
            )
            continue
        block: Any = None
        if kind == "request":
            request_number += 1
            block = blocks.parse_request_block(
                token.content,
                token.info,
                key=f"request-{request_number}",
                line=fence_line,
                report=report,
            )
        elif kind == "lab":
            blocks.parse_info(token.info, allowed=set(), line=fence_line, report=report)
            block = blocks.parse_lab_source(
                token.content,
                line=fence_line,
                render=text_renderer(result.links, fence_line),
                report=report,
            )
        else:
            blocks.parse_info(token.info, allowed=set(), line=fence_line, report=report)
            block = blocks.parse_quiz_source(
                token.content,
                line=fence_line,
                render=text_renderer(result.links, fence_line),
                render_inline=inline_renderer(result.links, fence_line),
                report=report,
            )
        token.meta["block_index"] = len(parsed)
        parsed.append((kind, block))
        if block is not None:
            result.blocks.append((kind, block))
    html = md.renderer.render(tokens, md.options, env)
    position = 0
    for match in BLOCK_MARKER.finditer(html):
        if match.start() > position:
            result.segments.append(Segment("html", html[position : match.start()]))
        kind, block = parsed[int(match.group(1))]
        if block is not None:
            result.segments.append(Segment(kind, block=block))
        position = match.end()
    if position < len(html):
        result.segments.append(Segment("html", html[position:]))
    return result
