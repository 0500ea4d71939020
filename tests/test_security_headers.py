"""Security headers on every page, and templates that the Content-Security-Policy lets
work: no inline script, <style> block or style= attribute anywhere (the tenancy sweep in
tests/test_url_sweep.py checks the headers on every URL of the project)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from purplemash.security import CONTENT_SECURITY_POLICY

# Login cards are a PDF made by WeasyPrint from this template: never a page a browser shows.
PDF_TEMPLATES = {"users/templates/users/cards/login_cards.html"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=")


def templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    found = [*base.glob("templates/**/*.html"), *base.glob("*/templates/**/*.html")]
    return [path for path in found if str(path.relative_to(base)) not in PDF_TEMPLATES]


def test_the_policy_allows_no_inline_code():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_no_template_has_inline_scripts_styles_or_handlers():
    found = templates()
    assert len(found) > 30
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in found
        for pattern in (INLINE_SCRIPT, INLINE_STYLE)
        for match in pattern.finditer(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/healthz", "/admin/login/", "/s/oakfield/"])
def test_pages_carry_the_security_headers(client, page_school, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_a_page_not_found_carries_them_too(client):
    response = client.get(reverse("users:sign_in", args=["no-such-school"]))
    assert response.status_code == 404
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
