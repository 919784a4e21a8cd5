"""The manager's pages as plain server-rendered HTML: every value escaped, one small stylesheet,
a layout that reflows from a phone to a desktop (tables scroll sideways on narrow screens)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import urlencode

__all__ = ["CSS", "escape", "field", "login", "page", "query_string", "select_field", "table"]

CSS = """
*{box-sizing:border-box}
body{font:16px/1.4 system-ui,sans-serif;margin:0;color:#111;background:#f6f6f3}
header{background:#1d3557;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;
align-items:center}
header a,header button{color:#fff;font:inherit;background:none;border:0;cursor:pointer;
padding:.4rem}
main{padding:1rem;max-width:80rem;margin:auto}
h1{font-size:1.4rem}
h2{font-size:1.15rem;margin-top:1.5rem}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.6rem;
align-items:end}
label{display:flex;flex-direction:column;font-size:.9rem}
input,select,button{font:inherit;padding:.5rem;min-height:2.6rem}
button.primary,a.button{background:#1d3557;color:#fff;border:0;border-radius:.3rem;
text-decoration:none;padding:.6rem 1rem;display:inline-block}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem .5rem;text-align:left;vertical-align:top}
.late{color:#a00;font-weight:bold}
.error{background:#fde2e2;padding:.6rem;border-radius:.3rem}
.card{background:#fff;padding:1rem;border-radius:.4rem;margin-bottom:1rem}
.login{max-width:24rem;margin:3rem auto}
.login label{margin-bottom:.8rem}
"""


def page(title: str, body: str, *, csrf: str = "", manager: str = "") -> str:
    nav = ""
    if manager:
        nav = (f'<a href="/manager">On site</a><a href="/manager/events">Events</a>'
               f'<form method="post" action="/manager/logout" style="margin-left:auto">'
               f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
               f'<button type="submit">Log out {escape(manager)}</button></form>')  # fmt: skip
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)} · Records</title><link rel="stylesheet" href="/manager/style.css">'
        f"</head><body><header><strong>Records</strong>{nav}</header><main>{body}</main></body></html>"
    )


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], *, empty: str) -> str:
    """Cells are escaped here; a cell starting with '<!' is trusted markup made by this module."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{c[2:] if c.startswith('<!') else escape(c)}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    if not body:
        return f"<p>{escape(empty)}</p>"
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _cell(text: str) -> str:
    return text[2:] if text.startswith("<!") else escape(text)


def login(csrf: str, error: str = "") -> str:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    form = (
        f'<div class="card login"><h1>Manager log in</h1>{message}'
        '<form method="post" action="/manager/login">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label>Name<input name="name" autocomplete="username" required></label>'
        '<label>Password<input name="password" type="password" '
        'autocomplete="current-password" required></label>'
        '<button class="primary" type="submit">Log in</button></form></div>'
    )
    return page("Log in", form)


def field(label: str, name: str, value: str, kind: str = "text") -> str:
    return (f'<label>{escape(label)}<input type="{kind}" name="{name}" id="f-{name}" '
            f'value="{escape(value)}"></label>')  # fmt: skip


def select_field(label: str, name: str, value: str, options: Iterable[str]) -> str:
    opts = "".join(
        f'<option value="{escape(o)}"{" selected" if o == value else ""}>'
        f"{escape(o or 'all')}</option>"
        for o in ["", *options]
    )
    return f'<label>{escape(label)}<select name="{name}" id="f-{name}">{opts}</select></label>'


def query_string(values: dict[str, str]) -> str:
    kept = {k: v for k, v in values.items() if v}
    return "?" + urlencode(kept) if kept else ""
