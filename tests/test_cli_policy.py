"""`kiosk equipment …` and `kiosk policy load` on a stand-alone kiosk: add, list, retire, load a
file; bad input gets a message and a refusal exit code, and changes nothing (issue 13)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., tuple[int, str, str]]


def test_the_register_from_the_command_line(kiosk: Run, tmp_path: Path) -> None:
    assert (
        kiosk("equipment", "add", "camera", "Camera 1", "--asset-tag", "LA-1", "--tag", "e0c0ffee")[
            0
        ]
        == 0
    )
    assert kiosk("equipment", "add", "tablet", "Tablet A")[0] == 0
    code, _out, err = kiosk("equipment", "add", "camera", "camera 1")
    assert code != 0 and "labelled 'camera 1'" in err
    code, out, _ = kiosk("equipment", "list", "--json")
    listed = json.loads(out)
    assert [(r["label"], r["tag"], r["with"]) for r in listed] == [
        ("Camera 1", "E0C0FFEE", None), ("Tablet A", None, None)]  # fmt: skip
    assert kiosk("equipment", "retire", "tablet a")[0] == 0
    assert [r["label"] for r in json.loads(kiosk("equipment", "list", "--json")[1])] == ["Camera 1"]

    bad = tmp_path / "bad.json"
    bad.write_text('{"equipment": [{"id": 9, "kind": "phone", "label": "Staff phone"}]}')
    code, _out, err = kiosk("policy", "load", str(bad))
    assert code != 0 and "Unknown kind of equipment 'phone'" in err
    good = tmp_path / "good.json"
    good.write_text('{"version": "3", "equipment": [{"id": 5, "kind": "camera", "label": "Cam"}]}')
    assert kiosk("policy", "load", str(good))[0] == 0
    assert "Cam " in kiosk("equipment", "list")[1]
