"""Expense categories and the guess of one from the words of a message.

The guess listens to the owner first: a word they filed under one category at least
`LEARNED_AFTER` times wins over the seed keywords; then keywords; then a word seen once.
A category's learned strength is its strongest single word, so a long description does not
add up to a false certainty.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ledger import audit
from ledger.clock import Clock
from ledger.errors import CategoryProblem, NotFound
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, CategoryWordRow
from ledger.storage.uow import UnitOfWork

# The seed set, in Russian as the bot shows it; the TOML mappings may replace it.
DEFAULT_CATEGORIES: dict[str, list[str]] = {
    "Аренда": ["аренда", "офис", "помещение", "склад"],
    "Зарплаты": ["зарплата", "зп", "аванс", "премия", "оклад"],
    "Маркетинг": ["реклама", "директ", "таргет", "продвижение", "авито", "баннер"],
    "Закупки": ["закупка", "товар", "материалы", "поставщик"],
    "Налоги": ["налог", "ндфл", "ндс", "усн", "взносы", "фнс"],
    "Транспорт": ["такси", "бензин", "парковка", "топливо", "доставка", "метро"],
    "Услуги": ["связь", "интернет", "хостинг", "бухгалтер", "юрист", "подписка"],
    "Прочее": [],
}
# Every entry must land somewhere: this one always exists.
FALLBACK_CATEGORY = "Прочее"
# The seeded category whose spending is the marketing line; renamed, it stays that line.
MARKETING_CATEGORY = "Маркетинг"
LEARNED_AFTER = 2
MAX_NAME_LENGTH = 40
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str


def words_of(text: str) -> list[str]:
    """Lower-case words of two letters or more, in order, without repeats ("ё" read as "е")."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower().replace("ё", "е")):
        seen.setdefault(word[:64], None)
    return list(seen)


def _keyword_matches(word: str, keyword: str) -> bool:
    # A prefix match reads Russian endings: "бензина", "такси", "рекламу" -> "реклама"[:-1].
    if word == keyword:
        return True
    stem = keyword[:-1] if len(keyword) > 4 else keyword
    return len(stem) >= 3 and word.startswith(stem)


@functools.cache
def _count_word(dialect: str) -> Any:
    """Upsert one (user, word, category) count: +1 when the row exists."""
    # Imported when first needed: PostgreSQL's dialect is a tenth of a second of a SQLite start.
    from sqlalchemy.dialects import postgresql, sqlite

    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    return insert(CategoryWordRow).on_conflict_do_update(
        index_elements=["user_id", "word", "category_id"],
        set_={"hits": CategoryWordRow.hits + 1},
    )


class CategoryService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._session = uow.session
        self._clock = clock

    async def seed(self, categories: dict[str, list[str]]) -> int:
        """Create the categories the TOML names that were never seeded; never touch the owner's.

        A seeded category is found by the name it was seeded under (`seed_key`), so one the
        owner renamed is not added again; one the owner had already made with that name is
        adopted as the seed.
        """
        async with self._uow.write():
            rows = list(await self._session.scalars(select(CategoryRow)))
            keys = {row.seed_key for row in rows}
            unkeyed = {row.name: row for row in rows if row.seed_key is None}
            position = len(rows)
            added = 0
            for name, keywords in categories.items():
                if name in keys:
                    continue
                if name in unkeyed:
                    unkeyed[name].seed_key = name
                    continue
                row = CategoryRow(name=name, keywords=keywords, is_active=True, position=position)
                row.is_marketing = name == MARKETING_CATEGORY
                row.seed_key = name
                self._session.add(row)
                position += 1
                added += 1
            await self._uow.commit()
        return added

    async def active(self) -> list[Category]:
        rows = await self._session.execute(
            select(CategoryRow.id, CategoryRow.name)
            .where(CategoryRow.is_active.is_(True))
            .order_by(CategoryRow.position, CategoryRow.id)
        )
        return [Category(row.id, row.name) for row in rows]

    async def get(self, category_id: int) -> Category:
        row = await self._session.get(CategoryRow, category_id)
        if row is None or not row.is_active:
            raise NotFound("category", category_id)
        return Category(row.id, row.name)

    async def guess(self, user_id: int, text: str) -> Category:
        words = words_of(text)
        rows = (
            (
                await self._session.execute(
                    select(CategoryRow)
                    .where(CategoryRow.is_active.is_(True))
                    .order_by(CategoryRow.position)
                )
            )
            .scalars()
            .all()
        )
        by_id = {row.id: row for row in rows}
        learned: dict[int, int] = {}
        if words:
            hits = await self._session.execute(
                select(CategoryWordRow.category_id, func.max(CategoryWordRow.hits))
                .where(CategoryWordRow.user_id == user_id, CategoryWordRow.word.in_(words))
                .group_by(CategoryWordRow.category_id)
            )
            learned = {
                category_id: int(total) for category_id, total in hits if category_id in by_id
            }
        best_learned = max(learned.items(), key=lambda item: item[1], default=None)
        if best_learned and best_learned[1] >= LEARNED_AFTER:
            row = by_id[best_learned[0]]
            return Category(row.id, row.name)
        for row in rows:
            if any(_keyword_matches(word, kw) for word in words for kw in row.keywords or []):
                return Category(row.id, row.name)
        if best_learned:
            row = by_id[best_learned[0]]
            return Category(row.id, row.name)
        return await self._fallback(rows)

    async def _fallback(self, rows: list[CategoryRow]) -> Category:
        for row in rows:
            if row.name == FALLBACK_CATEGORY:
                return Category(row.id, row.name)
        if rows:
            return Category(rows[-1].id, rows[-1].name)
        row = CategoryRow(name=FALLBACK_CATEGORY, keywords=[], is_active=True, position=0)
        self._session.add(row)
        await self._session.flush()
        return Category(row.id, row.name)

    async def learn(self, user_id: int, text: str, category_id: int) -> None:
        """Count each word of a saved entry under its category, in the caller's transaction."""
        words = words_of(text)
        if not words:
            return
        rows = [
            {"user_id": user_id, "word": word, "category_id": category_id, "hits": 1}
            for word in words
        ]
        # Rows as executemany parameters: a multi-row VALUES cannot be cached by SQLAlchemy
        # and was compiled anew for every saved expense.
        await self._session.execute(_count_word(self._session.bind.dialect.name), rows)

    async def add(self, actor: Actor, name: str) -> Category:
        actor.require(Role.OWNER)
        name = self._check_name(name)
        await self._ensure_free(name)
        position = (await self._session.execute(select(func.count(CategoryRow.id)))).scalar_one()
        row = CategoryRow(name=name, keywords=[], is_active=True, position=position)
        async with self._uow.write():
            self._session.add(row)
            await self._session.flush()
            self._audit(actor, "category.added", row.id, None, {"name": name})
            await self._uow.commit()
        return Category(row.id, row.name)

    async def rename(self, actor: Actor, category_id: int, name: str) -> Category:
        actor.require(Role.OWNER)
        name = self._check_name(name)
        row = await self._session.get(CategoryRow, category_id)
        if row is None:
            raise NotFound("category", category_id)
        before = row.name
        if before.casefold() != name.casefold():
            await self._ensure_free(name)
        async with self._uow.write():
            row.name = name
            self._audit(actor, "category.renamed", row.id, {"name": before}, {"name": name})
            await self._uow.commit()
        return Category(row.id, row.name)

    def _audit(self, actor: Actor, action: str, category_id: int, before, after) -> None:
        audit.record(
            self._session,
            at=self._clock.now(),
            actor_user_id=actor.user_id,
            action=action,
            object_type="category",
            object_id=category_id,
            before=before,
            after=after,
        )

    @staticmethod
    def _check_name(name: str) -> str:
        name = " ".join(name.split())
        if not name:
            raise CategoryProblem("empty")
        if len(name) > MAX_NAME_LENGTH:
            raise CategoryProblem("too_long")
        return name

    async def _ensure_free(self, name: str) -> None:
        # Compared in Python: SQLite's lower() folds only ASCII, and names are Cyrillic.
        names = (await self._session.execute(select(CategoryRow.name))).scalars()
        if any(existing.casefold() == name.casefold() for existing in names):
            raise CategoryProblem("exists")
