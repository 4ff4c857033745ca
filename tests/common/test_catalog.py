"""The Russian catalog is complete: Russian is the default language, nothing may fall back to English."""

from pathlib import Path

import polib

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "ru" / "LC_MESSAGES" / "django.po"


def test_every_russian_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(CATALOG))
    untranslated = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert len(po) > 500
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]")
    po = polib.pofile(str(CATALOG))
    broken = []
    for entry in po.translated_entries():
        expected = set(pattern.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if set(pattern.findall(text)) - expected:
                broken.append(entry.msgid)
        if not entry.msgid_plural and set(pattern.findall(entry.msgstr)) != expected:
            broken.append(entry.msgid)
    assert broken == []
