"""Registering many children at once, for the case system's import (roll.services).

`BulkRegistration` does, in memory, what `child_register`, `placement_change`, `care_leave`,
`care_episode_start` and `imported_fields_update` (children.services) do one child at a time,
with the same checks, and `save()` then writes the same rows: the children, their episodes and
placements in their final state, every history row the services' saves would have written (one
per save, in the same order, with the same values and user), and the care team's access rows
(`sync_child_access`, once for all). A few queries per thousand children instead of some ninety
per child.

What it does not do, and who does it instead: it sends no signal. It is for children who enter
the portal with no news for anyone: the import sends a child whose entry to care is recent
enough for an initial PEP (`PepRuleSet.initial_pep_lookback_days`) through the services, so the
initial-PEP flow runs as for a hand registration; a new child's earlier placements are not
moves anyone is told about (`placement_change(announce=False)` for both paths); and such a
child has no PEP for leaving care to close. There is no actor check: the import checks its
actor once (`roll.services`).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from pep_portal.accounts.models import User

from . import ssda903_codes
from .access import sync_child_access
from .models import CareEpisode, Child, Cohort, Placement, RecordWarning
from .school_year import year_group_on
from .upn import normalise_upn, validate_upn

BATCH = 1000


def _not_in_future(day: dt.date, what: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({what: "Enter a date that is today or in the past"})


class BulkRegistration:
    def __init__(self, *, actor: User | None, authority_id: int) -> None:
        self.actor, self.authority_id = actor, authority_id
        self.children: list[Child] = []
        self.episodes: list[CareEpisode] = []
        self.placements: list[Placement] = []
        # Every save the services would make, in order: (record, its values then, "+" or "~").
        self._saves: list[tuple[models.Model, dict[str, Any], str]] = []
        self._open_episode: dict[int, CareEpisode] = {}
        self._open_placement: dict[int, Placement] = {}
        self._last_left: dict[int, dt.date] = {}
        self._warnings: list[tuple[Child, str, str, str]] = []

    def _save(self, record: models.Model, kind: str) -> None:
        # The checks full_clean makes without a query: not the foreign keys (the child is saved
        # in save(); the authority is the import's).
        record.clean_fields(exclude=["child", "authority"])
        values = {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}
        self._saves.append((record, values, kind))

    # --- what the services do, in memory ------------------------------------------------------

    def register(
        self,
        *,
        details: dict[str, Any],
        entered_care_on: dt.date,
        emergency_placement: bool,
        legal_status: str,
        placement_type: str,
        placement_started_on: dt.date | None,
        age_checked_on: dt.date,
        episode_codes: dict[str, str],
        placement_codes: dict[str, str],
    ) -> tuple[Child, CareEpisode, Placement]:
        """child_register for a child with no school, staff or carers known (an import)."""
        _not_in_future(entered_care_on, "entered_care_on")
        if year_group_on(details["date_of_birth"], age_checked_on).pep_template is None:
            raise ValidationError({"date_of_birth": "PEPs are for children from nursery age"})
        if details.get("upn"):
            details = {**details, "upn": normalise_upn(details["upn"])}
            validate_upn(details["upn"])
        child = Child(authority_id=self.authority_id, **details)
        child.created_at = timezone.now()
        self.children.append(child)
        self._save(child, "+")
        episode = CareEpisode(
            child=child,
            started_on=entered_care_on,
            emergency_placement=emergency_placement,
            legal_status=legal_status,
            **episode_codes,
        )
        self.episodes.append(episode)
        self._open_episode[id(child)] = episode
        self._save(episode, "+")
        placement = Placement(
            child=child,
            placement_type=placement_type,
            started_on=placement_started_on or entered_care_on,
            **placement_codes,
        )
        self.placements.append(placement)
        self._open_placement[id(child)] = placement
        self._save(placement, "+")
        return child, episode, placement

    def fields_update(
        self, *, record: Child | CareEpisode | Placement, values: dict[str, Any]
    ) -> bool:
        """imported_fields_update."""
        from .services import import_fields_allowed

        import_fields_allowed(record, values)
        changed = {name for name, value in values.items() if getattr(record, name) != value}
        if not changed:
            return False
        for name in changed:
            setattr(record, name, values[name])
        self._save(record, "~")
        return True

    def placement_change(
        self, *, child: Child, placement_type: str, started_on: dt.date, codes: dict[str, str]
    ) -> Placement:
        """placement_change with no carers and no announcement."""
        _not_in_future(started_on, "started_on")
        current = self._open_placement.pop(id(child), None)
        if current is not None:
            if started_on < current.started_on:
                raise ValidationError(
                    {"started_on": f"Enter a date on or after {current.started_on:%d %B %Y}"}
                )
            current.ended_on = max(current.started_on, started_on - dt.timedelta(days=1))
            self._save(current, "~")
        placement = Placement(
            child=child, placement_type=placement_type, started_on=started_on, **codes
        )
        self.placements.append(placement)
        self._open_placement[id(child)] = placement
        self._save(placement, "+")
        return placement

    def leave(self, *, child: Child, left_on: dt.date, reason_code: str) -> CareEpisode:
        """care_leave, for a child with no school place, delegation or PEP."""
        _not_in_future(left_on, "left_on")
        if reason_code not in ssda903_codes.REASON_CEASED or reason_code == ssda903_codes.CONTINUES:
            raise ValidationError({"reason": "Choose why the child left care"})
        episode = self._open_episode.pop(id(child), None)
        if episode is None:
            raise ValidationError({"left_on": "This child is not in care"})
        if left_on < episode.started_on:
            raise ValidationError({"left_on": f"Enter a date on or after {episode.started_on}"})
        episode.ended_on = left_on
        episode.ssda903_reason_ceased = reason_code
        episode.end_reason = ssda903_codes.REASON_CEASED[reason_code]
        self._save(episode, "~")
        placement = self._open_placement.pop(id(child), None)
        if placement is not None:
            placement.ended_on = max(left_on, placement.started_on)
            self._save(placement, "~")
        child.cohort = ssda903_codes.cohort_after_leaving(reason_code)
        self._save(child, "~")
        self._last_left[id(child)] = left_on
        return episode

    def episode_start(
        self,
        *,
        child: Child,
        entered_care_on: dt.date,
        emergency_placement: bool,
        legal_status: str,
    ) -> CareEpisode:
        """care_episode_start with no initial PEP (an entry to care long before the extract)."""
        _not_in_future(entered_care_on, "entered_care_on")
        if id(child) in self._open_episode:
            raise ValidationError({"entered_care_on": "This child is already in care"})
        last_ended = self._last_left.get(id(child))
        if last_ended is not None and entered_care_on <= last_ended:
            raise ValidationError({"entered_care_on": f"Enter a date after {last_ended}"})
        episode = CareEpisode(
            child=child,
            started_on=entered_care_on,
            emergency_placement=emergency_placement,
            legal_status=legal_status,
        )
        self.episodes.append(episode)
        self._open_episode[id(child)] = episode
        self._save(episode, "+")
        if child.cohort != Cohort.LOOKED_AFTER:
            child.cohort = Cohort.LOOKED_AFTER
            self._save(child, "~")
        return episode

    # --- writing it all -------------------------------------------------------------------------

    def warn(self, *, child: Child, field: str, message: str, source: str) -> None:
        """record_warnings_raise, for a child registered here (who has no warning yet)."""
        self._warnings.append((child, field, message[:300], source))

    def _check_upns(self) -> None:
        upns = [c.upn for c in self.children if c.upn]
        taken = set(
            Child.objects.filter(authority_id=self.authority_id, upn__in=upns).values_list(
                "upn", flat=True
            )
        )
        seen: set[str] = set()
        for upn in upns:
            if upn in taken or upn in seen:
                raise ValidationError(
                    {"upn": f"Child with this Authority and UPN already exists ({upn})"}
                )
            seen.add(upn)

    def save(self) -> list[Child]:
        """Write everything, in one transaction the caller holds. Returns the children."""
        if not self.children:
            return []
        self._check_upns()
        _insert(Child, self.children)
        for record in (*self.episodes, *self.placements):
            record.child_id = record.child.pk  # type: ignore[attr-defined]
        _insert(CareEpisode, self.episodes)
        _insert(Placement, self.placements)
        self._write_history()
        self._write_warnings()
        sync_child_access([c.pk for c in self.children])
        return self.children

    def _write_history(self) -> None:
        """One history row per save, as django-simple-history writes on each save: the values
        at the time, the user, "+" or "~"; dates a microsecond apart keep the saves' order."""
        when = timezone.now()
        user_id = self.actor.pk if self.actor is not None else None
        rows: dict[Any, list[dict[str, Any]]] = {}
        models_of: dict[type[models.Model], Any] = {}
        for number, (record, values, kind) in enumerate(self._saves):
            if type(record) not in models_of:
                models_of[type(record)] = type(record).history.model  # type: ignore[attr-defined]
            historical = models_of[type(record)]
            row = {f.attname: values[f.attname] for f in historical.tracked_fields}
            row["id"] = record.pk
            if "child_id" in row:
                row["child_id"] = record.child_id  # type: ignore[attr-defined]
            row.update(
                history_date=when + dt.timedelta(microseconds=number),
                history_user_id=user_id,
                history_change_reason=None,
                history_type=kind,
            )
            rows.setdefault(historical, []).append(row)
        for historical, history_rows in rows.items():
            _insert_values(historical, history_rows)

    def _write_warnings(self) -> None:
        now = timezone.now()
        warnings = [
            RecordWarning(
                child_id=child.pk, field=field, message=message, source=source, created_at=now
            )
            for child, field, message, source in self._warnings
        ]
        _insert(RecordWarning, warnings)
        historical = RecordWarning.history.model  # type: ignore[attr-defined]
        _insert_values(
            historical,
            [
                {f.attname: getattr(w, f.attname) for f in historical.tracked_fields}
                | {
                    "history_date": now,
                    "history_user_id": None,
                    "history_change_reason": w.source,
                    "history_type": "+",
                }
                for w in warnings
            ],
        )


def _insert(model: type[models.Model], records: list[Any]) -> None:
    """New rows, their ids set on the records. On PostgreSQL the ids come from the table's
    sequence in one query and the rows go in by COPY (Django's bulk_create spends more time
    building its statement than PostgreSQL spends inserting); elsewhere by bulk_create."""
    if not records:
        return
    if connection.vendor != "postgresql":
        for start in range(0, len(records), BATCH):
            model._default_manager.bulk_create(records[start : start + BATCH])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(records)],
        )
        for record, (pk,) in zip(records, cursor.fetchall(), strict=True):
            record.pk = pk
    fields = model._meta.concrete_fields
    _copy(
        model,
        [f.column for f in fields],
        ([getattr(record, f.attname) for f in fields] for record in records),
    )


def _insert_values(model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows (by attribute name) of a table whose own id the database gives: history rows."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return
    _copy(model, [f.column for f in fields], ([row[f.attname] for f in fields] for row in rows))


def _copy(model: Any, columns: list[str], rows: Iterable[list[Any]]) -> None:
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)
