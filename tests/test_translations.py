"""Every string of the interface is translated into Chinese, and the compiled catalogue is current."""

import shutil
from pathlib import Path

import polib
from django.core.management import call_command

import baozhang

PACKAGE = Path(baozhang.__file__).parent
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(path: Path) -> dict[tuple[str | None, str], polib.POEntry]:
    return {(entry.msgctxt, entry.msgid): entry for entry in polib.pofile(str(path))}


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.untranslated_entries() == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=1;")


def test_compiled_catalogue_matches_the_source():
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.pofile(str(CATALOGUE))
    }
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural.get(0)
        for entry in polib.mofile(str(CATALOGUE.with_suffix(".mo")))
        if entry.msgid
    }
    assert compiled == source


def test_every_marked_string_is_in_the_catalogue(tmp_path, settings, monkeypatch):
    assert shutil.which("xgettext"), "gettext is needed (scripts/test.sh installs it)"
    # makemessages on a copy of the sources, so that the committed catalogue is not touched.
    source = tmp_path / "baozhang"
    shutil.copytree(
        PACKAGE, source, ignore=shutil.ignore_patterns("static", "locale", "__pycache__")
    )
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["zh_Hans"], no_location=True, verbosity=0)
    extracted = _entries(source / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    committed = _entries(CATALOGUE)
    missing = sorted(msgid for (context, msgid) in extracted if (context, msgid) not in committed)
    assert missing == []
