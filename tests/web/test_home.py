"""The home page: renders, links the committed CSS and the vendored htmx, is accessible."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

STYLESHEET = "css/dist/styles.css"
HTMX = "vendor/htmx.min.js"
FAVICON = "favicon.svg"


def test_home_renders(client: Client) -> None:
    response = client.get(reverse("console:home"))

    assert response.status_code == 200
    assert response.templates[0].name == "console/home.html"
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert "DynaLab" in html


def test_home_links_the_stylesheet_and_the_vendored_htmx(client: Client) -> None:
    html = client.get(reverse("console:home")).content.decode()

    assert f'<link rel="stylesheet" type="text/css" href="/static/{STYLESHEET}' in html
    assert f'<script src="/static/{HTMX}" defer></script>' in html
    assert f'<link rel="icon" href="/static/{FAVICON}"' in html


def test_home_loads_nothing_from_another_host(client: Client) -> None:
    html = client.get(reverse("console:home")).content.decode()

    assert 'src="http' not in html
    assert 'href="http' not in html
    assert 'src="//' not in html


def test_static_files_the_page_links_exist_on_disk() -> None:
    for name in (STYLESHEET, HTMX, FAVICON):
        found = finders.find(name)
        assert found, f"{name} is not found by the static files finders"
        assert Path(found).stat().st_size > 100, f"{name} is suspiciously small"


def test_home_is_navigable_by_keyboard(client: Client) -> None:
    html = client.get(reverse("console:home")).content.decode()

    assert '<html lang="en"' in html
    assert '<a href="#main"' in html and "Skip to content" in html
    assert '<main id="main"' in html
    assert '<nav aria-label="Main">' in html
    assert 'aria-current="page"' in html


def test_home_gives_htmx_the_csrf_token(client: Client) -> None:
    html = client.get(reverse("console:home")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_committed_css_is_the_one_the_theme_builds() -> None:
    built = Path(settings.BASE_DIR, "dynalab", "theme", "static", STYLESHEET)
    assert finders.find(STYLESHEET) == str(built)
