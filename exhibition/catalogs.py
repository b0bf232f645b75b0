"""Compiling the translation catalogs (`make translations`): silent when all is well.

Every catalog under the directory is compiled (.po -> .mo). The Vietnamese catalog must translate
every message: an untranslated or fuzzy entry, or one whose placeholders differ from its msgid,
is named on stderr and the exit status is 1. The English catalog leaves its messages empty on
purpose (the msgid is the English text), so counting them would only say "1 % translated"."""

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"
COMPLETE = ("vi",)  # languages whose catalog must translate every message


def _shown(message) -> str:
    key = message.id if isinstance(message.id, str) else message.id[0]
    shown = '"' + key.replace('"', '\\"') + '"'
    return f"{shown} ({message.context})" if message.context else shown


def problems(catalog) -> list[str]:
    """What is wrong with a catalog that must be complete: one line per message."""
    found = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"untranslated: {_shown(message)}")
        elif message.fuzzy:
            found.append(f"fuzzy: {_shown(message)}")
        elif message.check():
            found.append(f"wrong placeholders: {_shown(message)}")
    return found


def compile_catalogs(directory: Path) -> list[str]:
    """Write every catalog's .mo next to its .po; the problems found, prefixed by the file."""
    report = []
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po.parent.parent.name
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN)
        if language in COMPLETE:
            report.extend(f"{po}: {line}" for line in problems(catalog))
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=True)
    if not report and not any(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        report.append(f"{directory}: no catalogs")
    return report


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else Path(__file__).parent / "translations"
    report = compile_catalogs(directory)
    for line in report:
        print(line, file=sys.stderr)
    return 1 if report else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
