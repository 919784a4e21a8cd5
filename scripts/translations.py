"""Bring each catalogue (kiosk/ui/locale/<code>/LC_MESSAGES/kiosk.po) up to date with the screen
words in the source: new words are added untranslated (the tests then fail until a translator
fills them in), words no longer used are kept as obsolete. `make setup` compiles the .po files.

Usage: python scripts/translations.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.ui.messages import UI_DIR, extract


def update(path: Path, wanted: list[str]) -> tuple[int, int]:
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    known = {message.id for message in catalogue if message.id}
    added = [m for m in wanted if m not in known]
    for message in added:
        catalogue.add(message, "")
    gone = [m for m in known if m not in wanted]
    for message in gone:
        catalogue.obsolete[message] = catalogue[message]
        del catalogue[message]
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=100)
    return len(added), len(gone)


def main() -> int:
    wanted = extract()
    for path in sorted((UI_DIR / "locale").glob("*/LC_MESSAGES/kiosk.po")):
        added, gone = update(path, wanted)
        print(f"{path}: {added} new (to translate), {gone} no longer used")
    return 0


if __name__ == "__main__":
    sys.exit(main())
