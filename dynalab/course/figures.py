"""Pictures in lessons: SVG files beside the lessons, checked and drawn inline.

A lesson shows a picture with a ```figure block (YAML: ``src``, ``alt``, optional
``caption``). The SVG is parsed and written out again from a short list of drawing elements
and attributes, so a figure can hold shapes, lines and text but never a script, an event
handler, a link out of the page or a style sheet; anything else is an authoring error that
``check_lessons`` names. Drawn inline (not as an <img>), its text is the page's text: it
scales with the page, and stays sharp and readable on a phone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.html import escape

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "title",
        "desc",
        "defs",
        "marker",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "path",
        "text",
        "tspan",
    }
)
ATTRIBUTES = frozenset(
    {
        "viewBox",
        "id",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "dx",
        "dy",
        "width",
        "height",
        "points",
        "d",
        "fill",
        "fill-opacity",
        "stroke",
        "stroke-width",
        "stroke-dasharray",
        "stroke-linecap",
        "stroke-linejoin",
        "opacity",
        "transform",
        "font-size",
        "font-weight",
        "font-style",
        "font-family",
        "text-anchor",
        "dominant-baseline",
        "marker-end",
        "marker-start",
        "markerWidth",
        "markerHeight",
        "refX",
        "refY",
        "orient",
        "markerUnits",
    }
)
#: Attribute values may name markers (``url(#arrow)``) but nothing outside the figure.
SAFE_VALUE = re.compile(r"^[^<>\"'`;\\]*$")
URL_VALUE = re.compile(r"url\(\s*#[A-Za-z][\w-]*\s*\)")
MAX_BYTES = 64 * 1024


class FigureError(ValueError):
    """What is wrong with a figure's SVG, in words an author can act on."""


@dataclass(frozen=True)
class Figure:
    src: str
    alt: str
    caption_html: str
    svg: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def clean_svg(text: str, *, prefix: str) -> str:
    """The SVG written out again from its allowed elements and attributes (see the module
    docstring); ``prefix`` keeps the figure's ids apart from the page's. Raises FigureError."""
    if len(text.encode()) > MAX_BYTES:
        raise FigureError(f"the SVG is over {MAX_BYTES // 1024} KB")
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.I):
        raise FigureError("the SVG may not declare a DOCTYPE or entities")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise FigureError(f"the SVG does not parse: {error}") from None
    if _local(root.tag) != "svg":
        raise FigureError("the file's root element must be <svg>")
    if "viewBox" not in root.attrib:
        raise FigureError("the <svg> needs a viewBox, so the picture scales with the page")
    return _write(root, prefix, top=True)


def _write(element: Any, prefix: str, *, top: bool = False) -> str:
    name = _local(element.tag)
    if element.tag.startswith("{") and not element.tag.startswith("{" + SVG_NAMESPACE):
        raise FigureError(f"<{name}> is not an SVG element")
    if name not in ELEMENTS:
        raise FigureError(f"<{name}> is not allowed in a figure (shapes, lines and text only)")
    parts = []
    for raw, value in element.attrib.items():
        attribute = _local(raw)
        if raw.startswith("{") and not top:
            raise FigureError(f"attribute {attribute!r} on <{name}> is not allowed")
        if raw.startswith("{"):
            continue
        if attribute not in ATTRIBUTES:
            raise FigureError(f"attribute {attribute!r} on <{name}> is not allowed")
        if not SAFE_VALUE.match(value) or ("url(" in value and not URL_VALUE.fullmatch(value)):
            raise FigureError(f"the value of {attribute!r} on <{name}> is not allowed")
        if attribute == "id":
            value = f"{prefix}-{value}"
        elif "url(#" in value:
            value = value.replace("url(#", f"url(#{prefix}-")
        if top and attribute in ("width", "height"):
            continue  # the page sizes the picture
        parts.append(f' {attribute}="{escape(value)}"')
    if top:
        parts.insert(0, f' xmlns="{SVG_NAMESPACE}"')
    children = "".join(_write(child, prefix) + escape(child.tail or "") for child in element)
    return f"<{name}{''.join(parts)}>{escape(element.text or '')}{children}</{name}>"


def load_figure(
    data: Any, *, folder: Path, prefix: str, render_caption: Any
) -> tuple[Figure | None, list[str]]:
    """A ```figure block's YAML: (the figure, []) or (None, what is wrong)."""
    if not isinstance(data, dict):
        return None, ["a figure is a YAML mapping with src and alt (and optionally caption)"]
    problems = []
    unknown = sorted(str(k) for k in set(data) - {"src", "alt", "caption"})
    if unknown:
        problems.append(
            f"figure: unknown field(s) {', '.join(unknown)} (allowed: alt, caption, src)"
        )
    src, alt, caption = data.get("src"), data.get("alt"), data.get("caption")
    if not isinstance(src, str) or not src.endswith(".svg"):
        problems.append("figure: src must be the path of an .svg file beside the lessons")
    if not isinstance(alt, str) or not alt.strip():
        problems.append("figure: alt must say in words what the picture shows")
    if caption is not None and not (isinstance(caption, str) and caption.strip()):
        problems.append("figure: caption must be text")
    if problems:
        return None, problems
    assert isinstance(src, str) and isinstance(alt, str)
    path = (folder / src).resolve()
    if not path.is_relative_to(folder.resolve()):
        return None, [f"figure: {src} is outside the lessons folder"]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"figure: {src} does not exist"]
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"figure: cannot read {src}: {error}"]
    try:
        svg = clean_svg(text, prefix=prefix)
    except FigureError as error:
        return None, [f"figure {src}: {error}"]
    caption_html = render_caption(caption) if caption else ""
    return Figure(src, alt.strip(), caption_html, svg), []


def figure_html(figure: Figure, *, dom_id: str) -> str:
    """The figure as the lesson page shows it: the SVG as an image named by ``alt``."""
    svg = figure.svg.replace(
        "<svg ", f'<svg role="img" aria-labelledby="{dom_id}-alt" ', 1
    ).replace(">", f'><title id="{dom_id}-alt">{escape(figure.alt)}</title>', 1)
    caption = (
        f'<figcaption class="lesson-figure-caption">{figure.caption_html}</figcaption>'
        if figure.caption_html
        else ""
    )
    return f'<figure id="{dom_id}" class="lesson-figure">{svg}{caption}</figure>\n'
