"""The fake's stand-in for Groupcall's consent email and portal, for demos: a plain HTML
page listing the invitations, each with a button that consents on the school's behalf.
Not part of XoD; every value is escaped."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from misclient.fake.server.invitations import Invitation
from misclient.fake.server.responses import Answer

if TYPE_CHECKING:
    from misclient.fake.server.app import FakeXodApp

HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE_PATH = "/_fake/consent"
STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;max-width:40rem;"
    "padding:1rem;overflow-wrap:anywhere}"
    "section{border:1px solid #555;border-radius:.5rem;margin:1rem 0;padding:0 1rem 1rem}"
    "fieldset{margin:.5rem 0}button{font-size:1rem;padding:.5rem 1rem}"
    "label{margin-left:.25rem}"
)


def _document(title: str, content: str) -> bytes:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{escape(title)}</h1>\n{content}</main>\n</body>\n</html>\n"
    ).encode()


def _contact(invitation: Invitation) -> str:
    name = f"{invitation.contact_first_name} {invitation.contact_last_name}".strip()
    return escape(f"{name} <{invitation.contact_email}>" if name else invitation.contact_email)


def _school_name(app: FakeXodApp, invitation: Invitation) -> str:
    return str(app.school(invitation.estab).school_info.get("Name") or invitation.school_name)


def _scope_choices(number: int, scopes: tuple[str, ...]) -> str:
    boxes = "".join(
        f'<div><input type="checkbox" id="i{number}-s{k}" name="scopes" '
        f'value="{escape(scope)}" checked><label for="i{number}-s{k}">{escape(scope)}</label>'
        "</div>\n"
        for k, scope in enumerate(scopes)
    )
    return (
        f"<fieldset><legend>Data to share (untick to refuse a scope)</legend>\n{boxes}"
        f'<input type="hidden" name="choose_scopes" value="1">\n</fieldset>\n'
        f'<div><input type="checkbox" id="i{number}-paused" name="paused" value="true">'
        f'<label for="i{number}-paused">Pause sharing while choosing which people to '
        "include</label></div>\n"
    )


def _invitation_section(app: FakeXodApp, number: int, invitation: Invitation) -> str:
    estab, partner = escape(invitation.estab), escape(invitation.partner_name or "the app")
    action = f"/_fake/{estab}/consent"
    if invitation.consented:
        form = (
            f'<input type="hidden" name="install_completed" value="true">\n'
            f"<button>Tell {partner} that Groupcall's installation is complete</button>\n"
        )
        state = "Consent given."
    else:
        form = (
            _scope_choices(number, invitation.scopes)
            + f"<button>Consent to share with {partner}</button>\n"
        )
        state = "Waiting for consent."
    return (
        f'<section aria-labelledby="i{number}">\n'
        f'<h2 id="i{number}">{escape(_school_name(app, invitation))} (estab {estab})</h2>\n'
        f"<p>{state} {partner} asked on "
        f"{escape(invitation.received.strftime('%d %B %Y at %H:%M'))} UTC. "
        f"Contact: {_contact(invitation)}.</p>\n"
        f"<p>Scopes asked for: {escape(', '.join(invitation.scopes) or 'none')}.</p>\n"
        f'<form method="post" action="{action}">\n{form}</form>\n</section>\n'
    )


def page(app: FakeXodApp) -> Answer:
    """Every school's latest invitation, those waiting for consent first."""
    latest = {i.estab: i for i in app.invitations()}
    ordered = sorted(latest.values(), key=lambda i: (i.consented is not None, i.received))
    intro = (
        "<p>This page stands in for the email Groupcall sends a school's contact when an "
        "app invites the school. Consenting gives the school a new secret and posts it to "
        "the app's callback address, as Groupcall does.</p>\n"
    )
    sections = "".join(_invitation_section(app, n, i) for n, i in enumerate(ordered, 1))
    if not sections:
        sections = "<p>No invitation has arrived yet: send one from the app.</p>\n"
    return Answer(200, _document("Fake Groupcall: invitations", intro + sections), HTML)


def read_form(body: bytes) -> dict[str, Any]:
    """The consent page's form as FakeXodApp.consent keyword arguments."""
    form = parse_qs(body.decode("utf-8", errors="replace"))
    chosen = "choose_scopes" in form
    return {
        "scopes": form.get("scopes", []) if chosen else None,
        "paused": form.get("paused", [""])[-1] == "true",
        "install_completed": form.get("install_completed", [""])[-1] == "true",
    }


def _outcome(status: int) -> str:
    if status == 0:
        return "The app could not be reached, so it does not know yet."
    if 200 <= status < 300:
        return f"The app accepted the callback (HTTP {status})."
    return f"The app refused the callback (HTTP {status})."


def answer(app: FakeXodApp, estab: str, status: int) -> Answer:
    invitation = app.invitations(estab)[-1]
    school = escape(_school_name(app, invitation))
    where = escape(invitation.callback_url or "(no callback address)")
    content = (
        f"<p>Groupcall posted {school}'s consent and its new secret to {where}.</p>\n"
        f"<p>{escape(_outcome(status))}</p>\n"
        f'<p><a href="{PAGE_PATH}">Back to the invitations</a></p>\n'
    )
    return Answer(200, _document("Fake Groupcall: consent sent", content), HTML)


def no_invitation(estab: str) -> Answer:
    content = (
        f"<p>No invitation has arrived for estab {escape(estab)}.</p>\n"
        f'<p><a href="{PAGE_PATH}">Back to the invitations</a></p>\n'
    )
    return Answer(404, _document("Fake Groupcall: no invitation", content), HTML)
