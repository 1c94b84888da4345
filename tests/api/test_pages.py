"""The HTML pages' templates (api/pages.py): values are escaped by default, and the CSP allows exactly their style."""

from __future__ import annotations

import base64
import hashlib
import re

from api.pages import render, render_message
from api.security import default_content_security_policy

XSS = "<img src=x onerror=alert(1)>"


def test_every_value_is_escaped() -> None:
    page = render("profile.html", title=XSS, rows=[(XSS, XSS)], code=XSS).body.decode()
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert XSS not in render_message(XSS, XSS).body.decode()


def test_the_inline_stylesheet_is_the_one_the_policy_allows() -> None:
    page = render_message("Payment link", "That link has expired.").body.decode()
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in default_content_security_policy()


def test_pages_are_never_cached() -> None:
    assert render_message("x", "y").headers["cache-control"] == "no-store"
