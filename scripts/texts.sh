#!/usr/bin/env sh
# Refreshes the catalogues after a phrase changed in bot/texts.py or a cabinet template: new
# message ids are added (empty: fill them in bot/locales/*/LC_MESSAGES/messages.po and run this
# again), those no longer used are marked obsolete, and the .mo files compiled.
# tests/bot/test_texts.py checks that every id is translated and nothing obsolete is left.
set -eu
cd "$(dirname "$0")/.."
pot=$(mktemp /tmp/kopeyka-messages.XXXXXX)
trap 'rm -f "$pot"' EXIT
.venv/bin/pybabel extract -F babel.cfg -k _n:1,2 -k Phrase -k N_ --no-location -o "$pot" . \
    2>&1 | grep -v '^extracting messages from' || true
.venv/bin/pybabel update -i "$pot" -d bot/locales -D messages -w 100
status=0
.venv/bin/python scripts/catalogues.py bot/locales || status=$?
.venv/bin/pybabel compile -d bot/locales -D messages
exit $status
