"""Settings and mappings: a wrong value stops start-up with one plain line naming the setting,
a blank one means "not set", and secrets never reach the message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config.mappings import DEFAULT_CATEGORIES, FALLBACK_CATEGORY, load_mappings
from config.settings import Settings, SettingsError, load_settings
from ledger.roles import Role

REPO = Path(__file__).resolve().parents[2]
# Every name users set (DESIGN.md, "Running it"), as a copied `.env.example` lists them.
DESIGN_SETTINGS = (
    "BOT_TOKEN",
    "OWNER_TELEGRAM_IDS",
    "TELEGRAM_API_URL",
    "WEBHOOK_BASE_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "WEB_HOST",
    "WEB_PORT",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "TIMEZONE",
    "MAPPINGS_FILE",
    "GOOGLE_SERVICE_ACCOUNT_FILE",
    "SHEET_ID",
    "GOOGLE_SHEETS_ENDPOINT",
    "AMOCRM_BASE_URL",
    "AMOCRM_ACCOUNT_ID",
    "AMOCRM_WEBHOOK_SECRET",
    "AMOCRM_CLIENT_ID",
    "AMOCRM_CLIENT_SECRET",
    "AMOCRM_REDIRECT_URI",
    "AMOCRM_LONG_LIVED_TOKEN",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own settings must not leak into these tests."""
    for name in {*DESIGN_SETTINGS, *(field.upper() for field in Settings.model_fields)}:
        monkeypatch.delenv(name, raising=False)


def _error_lines(monkeypatch: pytest.MonkeyPatch, **environment: str) -> list[str]:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    return caught.value.lines


# -- wrong values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "named", "secret"),
    [
        pytest.param({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE", None, id="timezone"),
        pytest.param({"OWNER_TELEGRAM_IDS": "12,abc"}, "OWNER_TELEGRAM_IDS", None, id="owner-ids"),
        pytest.param(
            {"BOT_TOKEN": "not-a-token-s3cr3tvalue"},
            "BOT_TOKEN",
            "not-a-token-s3cr3tvalue",
            id="bot-token",
        ),
        pytest.param(
            {"DATABASE_URL": "mysql+aiomysql://kopeyka:hunter2password@db/kopeyka"},
            "DATABASE_URL",
            "hunter2password",
            id="database-driver",
        ),
        pytest.param(
            {"TELEGRAM_WEBHOOK_SECRET": "my webhook secret!"},
            "TELEGRAM_WEBHOOK_SECRET",
            "my webhook secret!",
            id="webhook-secret-chars",
        ),
        pytest.param(
            {"WEBHOOK_BASE_URL": "https://bot.example.com"},
            "TELEGRAM_WEBHOOK_SECRET",
            None,
            id="webhook-without-secret",
        ),
        pytest.param({"WEB_PORT": "0"}, "WEB_PORT", None, id="web-port-zero"),
        pytest.param({"AMOCRM_WORKER": "thread"}, "AMOCRM_WORKER", None, id="amocrm-worker"),
    ],
)
def test_a_wrong_value_stops_start_up_with_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], named: str, secret: str | None
) -> None:
    lines = _error_lines(monkeypatch, **environment)

    assert len(lines) == 1
    assert named in lines[0]
    if secret is not None:
        assert secret not in lines[0]


def test_wrong_timezone_stops_start_up_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = _error_lines(monkeypatch, TIMEZONE="Mars/Olympus")

    assert lines[0].startswith("TIMEZONE:")
    assert "Mars/Olympus" in lines[0]


def test_an_address_without_its_scheme_is_told_how_to_write_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [line] = _error_lines(monkeypatch, AMOCRM_BASE_URL="mycompany.amocrm.ru")

    assert line.startswith("AMOCRM_BASE_URL: 'mycompany.amocrm.ru' is not a full web address")
    assert "https://yourcompany.amocrm.ru" in line
    assert "relative URL" not in line


def test_webhook_without_its_secret_names_both_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = _error_lines(monkeypatch, WEBHOOK_BASE_URL="https://bot.example.com")

    assert "WEBHOOK_BASE_URL" in lines[0]
    assert "TELEGRAM_WEBHOOK_SECRET" in lines[0]


def test_every_wrong_setting_gets_its_own_line_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = _error_lines(
        monkeypatch, TIMEZONE="Mars/Olympus", WEB_PORT="0", OWNER_TELEGRAM_IDS="12,abc"
    )

    assert len(lines) == 3
    assert {line.split(":")[0] for line in lines} == {
        "TIMEZONE",
        "WEB_PORT",
        "OWNER_TELEGRAM_IDS",
    }


def test_a_secret_is_never_shown_when_it_is_printed() -> None:
    settings = Settings(
        _env_file=None,
        bot_token="123456:AAHsuperSecretBotToken",
        telegram_webhook_secret="webhook_secret_value",
        webhook_base_url="https://bot.example.com",
    )

    shown = repr(settings) + str(settings)
    assert "AAHsuperSecretBotToken" not in shown
    assert "webhook_secret_value" not in shown


# -- values that are right ------------------------------------------------------------------


def test_owner_ids_with_spaces_after_commas_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OWNER_TELEGRAM_IDS", "1, 2")

    assert load_settings(_env_file=None).owner_telegram_ids == [1, 2]


def test_nothing_set_gives_the_safe_defaults() -> None:
    settings = load_settings(_env_file=None)

    assert settings.bot_token is None
    assert settings.owner_telegram_ids == []
    assert settings.timezone == "Europe/Moscow"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert settings.mappings_file == Path("config/mappings.toml")
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert not settings.webhook_mode


@pytest.mark.parametrize(
    ("database_url", "worker", "mode"),
    [
        (None, "auto", "inline"),  # SQLite: one writer, the worker shares the bot's gate
        ("postgresql+asyncpg://k@db/kopeyka", "auto", "process"),
        (None, "process", "process"),
        ("postgresql+asyncpg://k@db/kopeyka", "external", "external"),
    ],
)
def test_the_amocrm_worker_runs_beside_the_bot_as_the_database_allows(
    database_url: str | None, worker: str, mode: str
) -> None:
    settings = load_settings(_env_file=None, database_url=database_url, amocrm_worker=worker)

    assert settings.amocrm_worker_mode == mode


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, None),
        ({"PUBLIC_URL": "https://kopeyka.example.com/"}, "https://kopeyka.example.com"),
        (
            {
                "WEBHOOK_BASE_URL": "https://bot.example.com",
                "TELEGRAM_WEBHOOK_SECRET": "s3cret-s3cret-s3cret",
            },
            "https://bot.example.com",
        ),
        (
            {
                "PUBLIC_URL": "https://kopeyka.example.com",
                "WEBHOOK_BASE_URL": "https://bot.example.com",
                "TELEGRAM_WEBHOOK_SECRET": "s3cret-s3cret-s3cret",
            },
            "https://kopeyka.example.com",
        ),
    ],
    ids=["neither", "public url", "webhook address", "public url first"],
)
def test_links_to_the_web_app_use_public_url_else_the_webhook_address(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str | None
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert load_settings(_env_file=None).public_base_url == expected


def test_the_migrations_may_run_as_another_role_of_the_same_postgresql_database() -> None:
    settings = load_settings(
        _env_file=None,
        database_url="postgresql+asyncpg://kopeyka_app:a@db:5432/kopeyka",
        database_migration_url="postgresql+asyncpg://kopeyka_owner:o@db:5432/kopeyka",
    )

    assert settings.database_migration_url == (
        "postgresql+asyncpg://kopeyka_owner:o@db:5432/kopeyka"
    )


@pytest.mark.parametrize(
    ("database_url", "migration_url", "says"),
    [
        (None, "postgresql+asyncpg://owner@db/kopeyka", "for PostgreSQL (SQLite has no roles)"),
        (
            "postgresql+asyncpg://app@db/kopeyka",
            "postgresql+asyncpg://owner@db/other",
            "must name the same database as DATABASE_URL",
        ),
        (
            "postgresql+asyncpg://app@db/kopeyka",
            "postgresql+asyncpg://owner@elsewhere/kopeyka",
            "must name the same database as DATABASE_URL",
        ),
        ("postgresql+asyncpg://app@db/kopeyka", "mysql://owner@db/kopeyka", "use sqlite"),
    ],
)
def test_a_migration_url_for_another_database_stops_start_up(
    database_url: str | None, migration_url: str, says: str
) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(
            _env_file=None, database_url=database_url, database_migration_url=migration_url
        )

    [line] = error.value.lines
    assert says in line


def test_blank_values_from_a_copied_env_example_mean_unset(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}=\n" for name in DESIGN_SETTINGS), encoding="utf-8")

    settings = load_settings(_env_file=env_file)

    assert settings.bot_token is None
    assert settings.owner_telegram_ids == []
    assert settings.database_url is None
    assert settings.webhook_base_url is None
    assert settings.timezone == "Europe/Moscow"
    assert settings.web_port == 8080
    assert settings.web_host == "127.0.0.1"
    assert settings.mappings_file == Path("config/mappings.toml")


def test_the_env_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "BOT_TOKEN=123456:ABCdef_ghi-jkl\n"
        "OWNER_TELEGRAM_IDS=111,222\n"
        "TIMEZONE=Asia/Yekaterinburg\n"
        "WEB_PORT=8443\n",
        encoding="utf-8",
    )

    settings = Settings(_env_file=env_file)

    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == "123456:ABCdef_ghi-jkl"
    assert settings.owner_telegram_ids == [111, 222]
    assert settings.timezone == "Asia/Yekaterinburg"
    assert settings.web_port == 8443


def test_the_environment_wins_over_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TIMEZONE=Asia/Yekaterinburg\n", encoding="utf-8")
    monkeypatch.setenv("TIMEZONE", "Europe/Kaliningrad")

    assert load_settings(_env_file=env_file).timezone == "Europe/Kaliningrad"


def test_a_wrong_value_in_the_env_file_names_the_setting(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("WEB_PORT=70000\n", encoding="utf-8")

    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=env_file)

    assert [line.split(":")[0] for line in caught.value.lines] == ["WEB_PORT"]


# -- mappings -------------------------------------------------------------------------------


def test_a_missing_mappings_file_means_the_defaults(tmp_path: Path) -> None:
    mappings = load_mappings(tmp_path / "absent.toml")

    assert FALLBACK_CATEGORY == "Прочее"
    assert "Прочее" in mappings.categories
    assert set(DEFAULT_CATEGORIES) <= set(mappings.categories)
    assert mappings.roles == {}


def test_broken_toml_gives_one_line_naming_mappings_file(tmp_path: Path) -> None:
    path = tmp_path / "mappings.toml"
    path.write_text('[categories\n"Транспорт" = ["такси"\n', encoding="utf-8")

    with pytest.raises(SettingsError) as caught:
        load_mappings(path)

    assert len(caught.value.lines) == 1
    assert caught.value.lines[0].startswith("MAPPINGS_FILE")
    assert str(path) in caught.value.lines[0]


def test_a_role_that_does_not_exist_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "mappings.toml"
    path.write_text('[roles]\n"123456789" = ["janitor"]\n', encoding="utf-8")

    with pytest.raises(SettingsError) as caught:
        load_mappings(path)

    assert caught.value.lines
    assert all(line.startswith("MAPPINGS_FILE") for line in caught.value.lines)
    assert "roles" in caught.value.lines[0]


def test_seeded_roles_and_categories_are_read(tmp_path: Path) -> None:
    path = tmp_path / "mappings.toml"
    path.write_text(
        '[categories]\n"Транспорт" = [" Такси ", "бензин"]\n\n'
        '[roles]\n"123456789" = ["cashier", "accountant"]\n',
        encoding="utf-8",
    )

    mappings = load_mappings(path)

    assert mappings.categories["Транспорт"] == ["такси", "бензин"]
    # The catch-all is added even when the file leaves it out.
    assert mappings.categories["Прочее"] == []
    assert mappings.roles == {123456789: [Role.CASHIER, Role.ACCOUNTANT]}


def test_the_shipped_mappings_file_loads() -> None:
    mappings = load_mappings(REPO / "config" / "mappings.toml")

    assert "Транспорт" in mappings.categories
    assert "такси" in mappings.categories["Транспорт"]
    assert "Прочее" in mappings.categories


# -- secrets strong enough, and the account check on -----------------------------------------

STRONG = "Zq7-kP2_wX9mR4tV"  # 16 characters: the shortest webhook secret accepted
LONG_KEY = "k3y-" * 8  # 32 characters: the shortest SECRET_KEY accepted


@pytest.mark.parametrize(
    ("environment", "named", "minimum"),
    [
        pytest.param({"SECRET_KEY": "k"}, "SECRET_KEY", 32, id="secret-key-one-char"),
        pytest.param({"SECRET_KEY": LONG_KEY[:-1]}, "SECRET_KEY", 32, id="secret-key-31"),
        pytest.param(
            {"WEBHOOK_BASE_URL": "https://bot.example.com", "TELEGRAM_WEBHOOK_SECRET": "s"},
            "TELEGRAM_WEBHOOK_SECRET",
            16,
            id="telegram-webhook-secret-one-char",
        ),
        pytest.param(
            {"TELEGRAM_WEBHOOK_SECRET": STRONG[:-1]},
            "TELEGRAM_WEBHOOK_SECRET",
            16,
            id="telegram-webhook-secret-15",
        ),
        pytest.param(
            {
                "AMOCRM_BASE_URL": "https://firm.amocrm.ru",
                "AMOCRM_ACCOUNT_ID": "7039099",
                "AMOCRM_WEBHOOK_SECRET": "x",
            },
            "AMOCRM_WEBHOOK_SECRET",
            16,
            id="amocrm-webhook-secret-one-char",
        ),
    ],
)
def test_a_secret_too_short_is_refused_saying_how_long_and_how_to_make_one(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], named: str, minimum: int
) -> None:
    [line] = _error_lines(monkeypatch, **environment)

    assert line.startswith(f"{named}: ")
    assert f"at least {minimum}" in line
    assert "secrets.token_urlsafe" in line
    if len(environment[named]) > 4:  # a one-letter value is in any sentence
        assert environment[named] not in line


def test_a_telegram_webhook_secret_is_up_to_256_characters_of_telegrams_alphabet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings(_env_file=None, telegram_webhook_secret="A_-9" * 64)

    [line] = _error_lines(monkeypatch, TELEGRAM_WEBHOOK_SECRET="A_-9" * 64 + "x")

    assert line.startswith("TELEGRAM_WEBHOOK_SECRET: use 16-256 characters")


def test_an_amocrm_webhook_secret_must_travel_in_an_address_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [line] = _error_lines(monkeypatch, AMOCRM_WEBHOOK_SECRET=STRONG + "/../x")

    assert line.startswith("AMOCRM_WEBHOOK_SECRET: use letters, digits and . _ ~ - only")


def test_amocrm_webhooks_without_the_account_id_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [line] = _error_lines(
        monkeypatch, AMOCRM_BASE_URL="https://firm.amocrm.ru", AMOCRM_WEBHOOK_SECRET=STRONG
    )

    assert line.startswith("AMOCRM_ACCOUNT_ID: required with AMOCRM_WEBHOOK_SECRET")
    assert "any amoCRM account" in line


def test_two_problems_across_settings_are_two_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _error_lines(
        monkeypatch,
        WEBHOOK_BASE_URL="https://bot.example.com",
        AMOCRM_BASE_URL="https://firm.amocrm.ru",
        AMOCRM_WEBHOOK_SECRET=STRONG,
    )

    assert [line.split(":")[0] for line in lines] == [
        "TELEGRAM_WEBHOOK_SECRET",
        "AMOCRM_ACCOUNT_ID",
    ]


def test_strong_secrets_and_the_account_id_are_accepted() -> None:
    settings = load_settings(
        _env_file=None,
        secret_key=LONG_KEY,
        webhook_base_url="https://bot.example.com",
        telegram_webhook_secret=STRONG,
        amocrm_base_url="https://firm.amocrm.ru",
        amocrm_webhook_secret=STRONG + ".~",
        amocrm_account_id=7039099,
    )

    assert settings.amocrm_webhooks_on
    assert settings.webhook_mode


def test_without_its_secret_amocrm_needs_no_account_id() -> None:
    settings = load_settings(_env_file=None, amocrm_base_url="https://firm.amocrm.ru")

    assert not settings.amocrm_webhooks_on
    assert settings.amocrm_account_id is None


def test_the_example_env_asks_for_what_the_settings_require() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")

    assert "at least 32" in example
    assert "at least 16" in example
    assert "Required with AMOCRM_WEBHOOK_SECRET" in example


def test_the_example_env_copied_as_it_is_starts() -> None:
    settings = load_settings(_env_file=REPO / ".env.example")

    assert settings.secret_key is None
    assert not settings.amocrm_webhooks_on
    assert settings.log_sql is False


def test_the_cabinet_without_an_address_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _error_lines(monkeypatch, CABINET="true")

    assert "CABINET" in lines[0]
    assert "PUBLIC_URL" in lines[0]


@pytest.mark.parametrize(
    ("cabinet", "expected"),
    [("true", "https://kopeyka.example.com/cabinet"), ("false", None)],
    ids=["on", "off"],
)
def test_the_cabinet_lives_under_the_public_address(
    monkeypatch: pytest.MonkeyPatch, cabinet: str, expected: str | None
) -> None:
    monkeypatch.setenv("PUBLIC_URL", "https://kopeyka.example.com/")
    monkeypatch.setenv("CABINET", cabinet)

    assert load_settings(_env_file=None).cabinet_url == expected
