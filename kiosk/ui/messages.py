"""The screen words to translate, found in the source: every `t("...")` / `self.t("...")` /
`root.t('...', root.lang)` and `N_("...")` in kiosk/ui's .py and .kv files.

`scripts/translations.py` adds new ones to each catalogue (.po); the tests check that every one
has a translation in every catalogue, so no screen word is left in English by accident.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kiosk.config import DEFAULT_NOTICE, DEFAULT_PRIVACY_WHERE, DEFAULT_QUIET_SPACE

UI_DIR = Path(__file__).resolve().parent
KV_CALL = re.compile(r"""\bt\(\s*'((?:[^'\\]|\\.)*)'""")
MARKERS = ("t", "N_")
# The shipped English notice, quiet space and privacy line are translated too (a setting's own
# are not: they are shown as written).
SETTING_DEFAULTS = (DEFAULT_NOTICE, DEFAULT_QUIET_SPACE, DEFAULT_PRIVACY_WHERE)


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; translated where it is shown."""
    return message


def extract(ui_dir: Path = UI_DIR) -> list[str]:
    """Every message, in order of first appearance."""
    found: dict[str, None] = dict.fromkeys(SETTING_DEFAULTS)
    for path in sorted(ui_dir.glob("*.py")):
        found.update(dict.fromkeys(_from_python(path.read_text(encoding="utf-8"))))
    for path in sorted(ui_dir.glob("*.kv")):
        text = path.read_text(encoding="utf-8")
        found.update(dict.fromkeys(m.group(1).replace("\\'", "'") for m in KV_CALL.finditer(text)))
    return list(found)


def _from_python(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            out.append(first.value)
    return out
