"""The zh and en catalogs cover every message and the compiled .mo files are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "admin_portal" / "translations"


def _extracted(tmp: Path) -> set[str]:
    pot = tmp / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "admin_portal/babel.cfg", "-k", "_l",
         "--no-location", "--omit-header", "-o", str(pot), "admin_portal"],
        cwd=ROOT, capture_output=True, check=True,
    )  # fmt: skip
    return {m.id for m in read_po(pot.open("rb")) if m.id}


def test_every_message_has_a_chinese_and_an_english_text(tmp_path):
    wanted = _extracted(tmp_path)
    assert len(wanted) > 200
    for lang in ("zh", "en"):
        catalog = read_po((TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb"))
        have = {m.id: m for m in catalog if m.id}
        missing = sorted(wanted - have.keys())
        assert not missing, f"{lang}: run `make translations` and translate {missing[:10]}"
        untranslated = sorted(i for i in wanted if not have[i].string or have[i].fuzzy)
        assert not untranslated, f"{lang}: untranslated {untranslated[:10]}"


def test_compiled_catalogs_match_their_sources():
    for lang in ("zh", "en"):
        folder = TRANSLATIONS / lang / "LC_MESSAGES"
        po = {m.id: m.string for m in read_po((folder / "messages.po").open("rb")) if m.id}
        mo = {m.id: m.string for m in read_mo((folder / "messages.mo").open("rb")) if m.id}
        assert po == mo, f"{lang}: run `pybabel compile -d admin_portal/translations`"


def test_chinese_texts_are_chinese():
    catalog = read_po((TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb"))
    latin_only = [
        m.id for m in catalog if m.id and m.string and not any("\u4e00" <= ch <= "\u9fff" for ch in m.string)
    ]
    assert set(latin_only) <= {"d", "h", "min", "left"} or all(len(x) < 4 for x in latin_only), latin_only[
        :10
    ]
