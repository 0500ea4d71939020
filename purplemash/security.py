"""Security headers Django does not set itself: a Content-Security-Policy and a
Permissions-Policy on every response.

The policy allows scripts, styles and images from this site only, never inline code:
every page keeps its scripts in static/js/ and its styles in static/css/ (no <script>
or <style> blocks, no style= attributes), so a name injected into a page cannot run as
script. Django admin's own templates need no exception (Django 5.2 keeps its scripts in
files and passes data through data- attributes and JSON script blocks, which never run).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the images a browser makes of an SVG or a QR code inline.
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
# No page needs the camera, microphone, location or payments.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


class SecurityHeadersMiddleware:
    """Adds the policies above unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
