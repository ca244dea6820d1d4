"""Tidies the catalogues after `pybabel update` (scripts/texts.sh runs it): drops the ids no
longer used, and gives each new Russian id itself as its text, since the ids are Russian.
Plural ids and every other language are left for a person to write."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

SOURCE_LANGUAGE = "ru"


def tidy(path: Path, language: str) -> list[str]:
    with path.open("rb") as file:
        catalogue = read_po(file, locale=language)
    catalogue.obsolete.clear()
    untranslated = []
    for message in catalogue:
        if not message.id:
            continue
        empty = not message.string if isinstance(message.string, str) else not all(message.string)
        if language == SOURCE_LANGUAGE and isinstance(message.id, str) and (empty or message.fuzzy):
            message.string, empty = message.id, False
            message.flags.discard("fuzzy")
            message.previous_id = []
        if empty or message.fuzzy:
            untranslated.append(message.id if isinstance(message.id, str) else message.id[0])
    with path.open("wb") as file:
        write_po(file, catalogue, width=100)
    return untranslated


def main(locales: Path) -> int:
    missing = 0
    for po in sorted(locales.glob("*/LC_MESSAGES/messages.po")):
        language = po.parents[1].name
        for message_id in tidy(po, language):
            sys.stdout.write(f"{language}: to translate: {message_id!r}\n")
            missing += 1
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "bot/locales")))
