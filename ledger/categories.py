"""Categories of expenses and of income, and the guess of one from the words of a message.

The owner adds, renames, archives and merges categories. Entries never change, so a merged
category keeps its entries and every report counts them under the category it was merged into
(`resolution`); an archived one keeps them too, and is only left out of the picker and the guess.

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

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ledger import audit
from ledger.clock import Clock
from ledger.confirmation import check_in_time, deadline
from ledger.errors import CategoryProblem, NotFound
from ledger.journal import EntryKind
from ledger.roles import Actor, Role
from ledger.storage.models import CategoryRow, CategoryWordRow, ExpenseDraftRow
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
# Income the owner records by hand ("+50000 оплата Иванов"); deals bring theirs from amoCRM.
DEFAULT_INCOME_CATEGORIES: dict[str, list[str]] = {
    "Продажи": ["оплата", "продажа", "выручка", "клиент", "предоплата", "доплата", "заказ"],
    "Прочие доходы": [],
}
# Confirmed deal payments are filed here (by the name it was seeded under, so a rename keeps it).
DEAL_INCOME_CATEGORY = "Продажи"
# Every entry must land somewhere: these always exist.
FALLBACK_CATEGORY = "Прочее"
FALLBACK_INCOME_CATEGORY = "Прочие доходы"
_FALLBACKS = {EntryKind.EXPENSE: FALLBACK_CATEGORY, EntryKind.INCOME: FALLBACK_INCOME_CATEGORY}
# The seeded category whose spending is the marketing line; renamed, it stays that line.
MARKETING_CATEGORY = "Маркетинг"
LEARNED_AFTER = 2
MAX_NAME_LENGTH = 40
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    kind: EntryKind = EntryKind.EXPENSE


@dataclass(frozen=True, slots=True)
class ArchivedCategory:
    id: int
    name: str
    merged_into: str | None  # where its entries count now, if it was merged


@dataclass(frozen=True, slots=True)
class CountedUnder:
    """The category a report shows an entry under: its own, or the one it was merged into."""

    id: int
    name: str
    is_marketing: bool


class Resolution:
    """Each category's `CountedUnder`, following merges to their end (A into B, B into C:
    A's entries count under C). Categories are few: the whole table is read at once."""

    def __init__(self, rows: list[CategoryRow]) -> None:
        self._rows = {row.id: row for row in rows}

    def of(self, category_id: int) -> CountedUnder:
        row = self._rows[category_id]
        seen = {row.id}
        while row.merged_into_id is not None and row.merged_into_id not in seen:
            row = self._rows[row.merged_into_id]
            seen.add(row.id)
        return CountedUnder(row.id, row.name, row.is_marketing)

    def names(self) -> dict[int, str]:
        """Each category's id and the name its entries are shown under."""
        return {category_id: self.of(category_id).name for category_id in self._rows}


async def resolution(session: AsyncSession) -> Resolution:
    return Resolution(list(await session.scalars(select(CategoryRow))))


def words_of(text: str) -> list[str]:
    """Lower-case words of two letters or more, in order, without repeats ("ё" read as "е")."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower().replace("ё", "е")):
        seen.setdefault(word[:64], None)
    return list(seen)


def _category(row: CategoryRow) -> Category:
    return Category(row.id, row.name, EntryKind(row.kind))


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

    async def seed(
        self,
        categories: dict[str, list[str]],
        income: dict[str, list[str]] | None = None,
    ) -> int:
        """Create the categories the TOML names that were never seeded; never touch the owner's.

        A seeded category is found by the name it was seeded under (`seed_key`), so one the
        owner renamed is not added again; one the owner had already made with that name is
        adopted as the seed.
        """
        wanted = [(name, words, EntryKind.EXPENSE) for name, words in categories.items()]
        wanted += [(name, words, EntryKind.INCOME) for name, words in (income or {}).items()]
        async with self._uow.write():
            rows = list(await self._session.scalars(select(CategoryRow)))
            keys = {row.seed_key for row in rows}
            unkeyed = {row.name: row for row in rows if row.seed_key is None}
            position = len(rows)
            added = 0
            for name, keywords, kind in wanted:
                if name in keys:
                    continue
                if name in unkeyed:
                    unkeyed[name].seed_key = name
                    continue
                row = CategoryRow(
                    name=name, keywords=keywords, is_active=True, position=position, kind=kind
                )
                row.is_marketing = name == MARKETING_CATEGORY
                row.seed_key = name
                self._session.add(row)
                position += 1
                added += 1
            await self._uow.commit()
        return added

    async def active(self, kind: EntryKind = EntryKind.EXPENSE) -> list[Category]:
        rows = await self._session.execute(
            select(CategoryRow.id, CategoryRow.name)
            .where(CategoryRow.is_active.is_(True), CategoryRow.kind == kind)
            .order_by(CategoryRow.position, CategoryRow.id)
        )
        return [Category(row.id, row.name, kind) for row in rows]

    async def archived(self) -> list[ArchivedCategory]:
        """Archived categories in the owner's order, each with where its entries count."""
        found = await resolution(self._session)
        rows = await self._session.scalars(
            select(CategoryRow)
            .where(CategoryRow.is_active.is_(False))
            .order_by(CategoryRow.position, CategoryRow.id)
        )
        return [
            ArchivedCategory(
                row.id,
                row.name,
                found.of(row.id).name if row.merged_into_id is not None else None,
            )
            for row in rows
        ]

    async def get(self, category_id: int) -> Category:
        """An active category (one to file under); an archived one is refused as such."""
        row = await self._row(category_id)
        if not row.is_active:
            raise CategoryProblem("archived")
        return _category(row)

    async def guess(self, user_id: int, text: str, kind: EntryKind = EntryKind.EXPENSE) -> Category:
        words = words_of(text)
        rows = (
            (
                await self._session.execute(
                    select(CategoryRow)
                    .where(CategoryRow.is_active.is_(True), CategoryRow.kind == kind)
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
            return _category(by_id[best_learned[0]])
        for row in rows:
            if any(_keyword_matches(word, kw) for word in words for kw in row.keywords or []):
                return _category(row)
        if best_learned:
            return _category(by_id[best_learned[0]])
        return await self._fallback(list(rows), kind)

    async def for_deal_income(self) -> Category:
        """Where a confirmed deal payment is filed: the seeded «Продажи» (however renamed),
        else the first active income category, else the catch-all (made if missing)."""
        rows = list(
            await self._session.scalars(
                select(CategoryRow)
                .where(
                    CategoryRow.is_active.is_(True),
                    CategoryRow.kind == EntryKind.INCOME.value,
                )
                .order_by(CategoryRow.position, CategoryRow.id)
            )
        )
        for row in rows:
            if row.seed_key == DEAL_INCOME_CATEGORY:
                return _category(row)
        if rows:
            return _category(rows[0])
        return await self._fallback(rows, EntryKind.INCOME)

    async def _fallback(self, rows: list[CategoryRow], kind: EntryKind) -> Category:
        name = _FALLBACKS[kind]
        for row in rows:
            if _is_fallback(row):
                return _category(row)
        if rows:
            return _category(rows[-1])
        row = CategoryRow(name=name, keywords=[], is_active=True, position=0, kind=kind)
        self._session.add(row)
        await self._session.flush()
        return _category(row)

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

    async def add(self, actor: Actor, name: str, kind: EntryKind = EntryKind.EXPENSE) -> Category:
        actor.require(Role.OWNER)
        name = self._check_name(name)
        await self._ensure_free(name)
        position = (await self._session.execute(select(func.count(CategoryRow.id)))).scalar_one()
        row = CategoryRow(name=name, keywords=[], is_active=True, position=position, kind=kind)
        async with self._uow.write():
            self._session.add(row)
            await self._session.flush()
            self._audit(actor, "category.added", row.id, None, {"name": name})
            await self._uow.commit()
        return _category(row)

    async def rename(self, actor: Actor, category_id: int, name: str) -> Category:
        actor.require(Role.OWNER)
        name = self._check_name(name)
        row = await self._row(category_id)
        before = row.name
        if before.casefold() != name.casefold():
            await self._ensure_free(name)
        async with self._uow.write():
            row.name = name
            self._audit(actor, "category.renamed", row.id, {"name": before}, {"name": name})
            await self._uow.commit()
        return _category(row)

    async def ask_to_archive(self, actor: Actor, category_id: int) -> int:
        """The first of archive's two taps: it may be archived (else why not), and until when
        the "yes" may come."""
        await self._archivable(actor, category_id)
        return deadline(self._clock)

    async def archive(self, actor: Actor, category_id: int, *, confirmed_until: int) -> Category:
        """Hide a category from the picker and the guess; its entries stay where they are."""
        row = await self._archivable(actor, category_id)
        check_in_time(self._clock, confirmed_until)
        async with self._uow.write():
            row.is_active = False
            self._audit(actor, "category.archived", row.id, {"active": True}, {"active": False})
            await self._uow.commit()
        return _category(row)

    async def restore(self, actor: Actor, category_id: int) -> Category:
        """Back from the archive, to the picker and the guess; a merged one counts its own
        entries again (the words it taught went with the merge and stay there)."""
        actor.require(Role.OWNER)
        row = await self._row(category_id)
        if row.is_active:
            raise CategoryProblem("active")
        before = {"active": False, "merged_into_id": row.merged_into_id}
        async with self._uow.write():
            row.is_active = True
            row.merged_into_id = None
            self._audit(actor, "category.restored", row.id, before, {"active": True})
            await self._uow.commit()
        return _category(row)

    async def ask_to_merge(self, actor: Actor, source_id: int, into_id: int) -> int:
        """The first of merge's two taps: the two may be merged, and until when."""
        await self._mergeable(actor, source_id, into_id)
        return deadline(self._clock)

    async def merge(
        self, actor: Actor, source_id: int, into_id: int, *, confirmed_until: int
    ) -> Category:
        """Archive `source` and count its entries under `into` from now on, in every report.

        Its learned words teach `into` instead (counts added where both knew a word), its open
        drafts are filed under `into`, and the marketing line, if it was one, moves along. Its
        seed key stays, so the next start does not seed it again.
        """
        source, into = await self._mergeable(actor, source_id, into_id)
        check_in_time(self._clock, confirmed_until)
        async with self._uow.write():
            await self._move_words(source.id, into.id)
            await self._session.execute(
                update(ExpenseDraftRow)
                .where(
                    ExpenseDraftRow.category_id == source.id,
                    # DraftStatus.OPEN (ledger.expenses imports this module).
                    ExpenseDraftRow.status == "open",
                )
                .values(category_id=into.id)
            )
            source.is_active = False
            source.merged_into_id = into.id
            if source.is_marketing:
                source.is_marketing, into.is_marketing = False, True
            self._audit(
                actor,
                "category.merged",
                source.id,
                {"active": True},
                {"active": False, "merged_into_id": into.id, "merged_into": into.name},
            )
            await self._uow.commit()
        return _category(into)

    async def _move_words(self, source_id: int, into_id: int) -> None:
        """The source's (user, word) counts onto the target's: added where the target has
        the word, moved where it has not."""
        moved = aliased(CategoryWordRow)
        same_word = (
            (moved.category_id == source_id)
            & (moved.user_id == CategoryWordRow.user_id)
            & (moved.word == CategoryWordRow.word)
        )
        await self._session.execute(
            update(CategoryWordRow)
            .where(CategoryWordRow.category_id == into_id, exists().where(same_word))
            .values(
                hits=CategoryWordRow.hits + select(moved.hits).where(same_word).scalar_subquery()
            )
        )
        kept = aliased(CategoryWordRow)
        await self._session.execute(
            delete(CategoryWordRow).where(
                CategoryWordRow.category_id == source_id,
                exists().where(
                    kept.category_id == into_id,
                    kept.user_id == CategoryWordRow.user_id,
                    kept.word == CategoryWordRow.word,
                ),
            )
        )
        await self._session.execute(
            update(CategoryWordRow)
            .where(CategoryWordRow.category_id == source_id)
            .values(category_id=into_id)
        )

    async def _row(self, category_id: int) -> CategoryRow:
        row = await self._session.get(CategoryRow, category_id)
        if row is None:
            raise NotFound("category", category_id)
        return row

    async def _archivable(self, actor: Actor, category_id: int) -> CategoryRow:
        """An active category that may leave: never the fallback, never the last one."""
        actor.require(Role.OWNER)
        row = await self._row(category_id)
        if not row.is_active:
            raise CategoryProblem("archived")
        if _is_fallback(row):
            raise CategoryProblem("fallback")
        if len(await self.active(EntryKind(row.kind))) <= 1:
            raise CategoryProblem("last")
        return row

    async def _mergeable(
        self, actor: Actor, source_id: int, into_id: int
    ) -> tuple[CategoryRow, CategoryRow]:
        source = await self._archivable(actor, source_id)
        if into_id == source_id:
            raise CategoryProblem("into_itself")
        into = await self._row(into_id)
        if into.kind != source.kind:
            raise NotFound("category", into_id)  # income and expense never mix
        if not into.is_active:
            raise CategoryProblem("into_archived")
        return source, into

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
        rows = await self._session.execute(select(CategoryRow.name, CategoryRow.is_active))
        for existing, is_active in rows:
            if existing.casefold() == name.casefold():
                raise CategoryProblem("exists" if is_active else "exists_archived")


def _is_fallback(row: CategoryRow) -> bool:
    """The category every entry of its kind can land in, by the name it was seeded under or
    bears."""
    return _FALLBACKS[EntryKind(row.kind)] in (row.seed_key, row.name)
