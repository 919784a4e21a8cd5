"""HTML from Jinja2 templates with autoescaping on for every template: a value is always text,
whatever its first characters; markup comes only from the templates themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)  # fmt: skip
DEFAULTS: dict[str, Any] = {
    "viewer": None, "setting": None, "settings": [], "done": "", "error": "",
}  # fmt: skip


def html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    text = _env.get_template(template).render({**DEFAULTS, **context})
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def stylesheet() -> str:
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")
