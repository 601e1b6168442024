"""Keeping the virtual school's roll true from the case system's SSDA903 extract.

`roll_import` applies a parsed extract (roll/ssda903.py) to one authority's children in one
transaction: with `dry_run` everything is done and rolled back, so the preview's counts are
exactly what the import will do. Entries to care, moves, leaving and re-entry go through the
children services a person's screens use (so an imported entry to care starts the same
initial-PEP flow as a hand registration); only the SSDA903 codes on records the portal already
holds are set in place (`imported_fields_update`, with history). Children new to the portal
with no news for anyone (no entry to care within the rule set's `initial_pep_lookback_days`)
are registered all at once by children.bulk, which writes what those services would
(tests/roll/test_bulk_import.py); so an import's queries grow with what changed, not with the
number of children.

How the extract maps onto the portal:
- a child is matched by the case system's CHILD id (`Child.social_care_id`), then by UPN;
- a period of care (episodes joined by X1) is one CareEpisode; a row whose RNE says the child
  moved (S, P, T, B, U) or whose placement differs from the row before is a new Placement;
- the episode's legal status is its latest row's; an entry to care is an emergency placement
  when the first row's LS or PLACE is one of the rule set's emergency codes (PepRuleSet);
- a period that ends with a REC other than X1: the child leaves care (children.services.
  care_leave); a later period is a re-entry (care_episode_start);
- a child's details (date of birth, gender, ethnicity) are taken only for a new child: the
  virtual school may have corrected them, so a difference is listed in the preview, never
  written over. A UPN fills an empty one only. A time in care's or a placement's field a
  person corrected by hand (children.services.imported_record_correct) is kept the same way;
  the extract's other codes are taken;
- an entry to care (first or return) gets an initial PEP only within the rule set's
  `initial_pep_lookback_days` of the extract's date; a new child's earlier placements are their
  history, not moves anyone is told about.
- children younger than the rule set's youngest age on the extract's date are left out.
"""

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.text import get_valid_filename

from children import selectors as children_selectors
from children import services as children_services
from children import ssda903_codes as codes
from children.access import access_synced_once
from children.bulk import BulkRegistration
from children.models import CareEpisode, Child, Placement
from children.school_year import age_on, year_group_on
from pep_portal.accounts.models import LocalAuthority, User
from pep_portal.accounts.permissions import Action, user_can
from pep_portal.audit import services as audit
from pep_portal.audit.models import AuditAction
from pep_portal.calendars.models import PepRuleSet

from .models import RollImport, RollImportStatus, extract_storage
from .ssda903 import ChildRow, EpisodeRow, Extract, Problem, parse_extract

SOURCE = "SSDA903 import"
NAME_MESSAGE = "The case system's extract has no names: add the child's name"


@dataclass
class RollCounts:
    new_children: int = 0
    changed_placements: int = 0
    left_care: int = 0
    re_entered: int = 0
    updated_records: int = 0
    unchanged_children: int = 0
    refused_rows: int = 0
    warnings: int = 0
    not_looked_after: int = 0
    too_young: int = 0


@dataclass
class RollResult:
    counts: RollCounts
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # What the portal holds differently and the import left alone, for a person to look at.
    differences: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": asdict(self.counts),
            "errors": [str(p) for p in self.errors],
            "warnings": [str(p) for p in self.warnings],
            "differences": self.differences,
        }


@dataclass(frozen=True)
class EmergencyRule:
    legal_statuses: frozenset[str]
    placements: frozenset[str]

    def is_emergency(self, first: EpisodeRow) -> bool:
        return first.ls in self.legal_statuses or first.place in self.placements


@dataclass
class Period:
    """A period of care: episodes joined by X1."""

    episodes: list[EpisodeRow]

    @property
    def start(self) -> dt.date:
        return self.episodes[0].decom

    @property
    def end(self) -> dt.date | None:
        last = self.episodes[-1]
        return last.dec if last.leaves_care else None

    @property
    def reason(self) -> str:
        return self.episodes[-1].rec if self.end else ""

    def placements(self) -> list[EpisodeRow]:
        moves: list[EpisodeRow] = []
        for episode in self.episodes:
            if (
                not moves
                or episode.rne in codes.PLACEMENT_CHANGES
                or _placement_key(episode) != _placement_key(moves[-1])
            ):
                moves.append(episode)
        return moves

    def episode_values(self, rule: EmergencyRule) -> dict[str, Any]:
        first, last = self.episodes[0], self.episodes[-1]
        return {
            "legal_status": codes.LEGAL_STATUS[last.ls][1],
            "ssda903_legal_status": last.ls,
            "ssda903_reason_new": first.rne,
            "ssda903_category_of_need": last.cin,
            "ssda903_reason_ceased": self.reason,
            "emergency_placement": rule.is_emergency(first),
        }


def _placement_key(episode: EpisodeRow) -> tuple[str, str, str]:
    return (episode.place, episode.provider, episode.urn)


def placement_values(episode: EpisodeRow) -> dict[str, Any]:
    return {
        "placement_type": codes.PLACEMENT[episode.place][1],
        "ssda903_place": episode.place,
        "ssda903_provider": episode.provider,
        "ofsted_urn": episode.urn,
    }


def periods_of(child: ChildRow) -> list[Period]:
    periods: list[Period] = []
    current: list[EpisodeRow] = []
    for episode in child.episodes:
        current.append(episode)
        if episode.leaves_care:
            periods.append(Period(current))
            current = []
    if current:
        periods.append(Period(current))
    return periods


@dataclass(frozen=True)
class _Rules:
    emergency: EmergencyRule
    youngest_age: int
    initial_pep_lookback_days: int


def _rules(authority: LocalAuthority) -> _Rules:
    rules = PepRuleSet.objects.filter(authority=authority).first() or PepRuleSet()
    return _Rules(
        EmergencyRule(
            frozenset(rules.emergency_legal_statuses.upper().split()),
            frozenset(rules.emergency_placement_codes.upper().split()),
        ),
        rules.youngest_age,
        rules.initial_pep_lookback_days,
    )


class _Services:
    """Writes through the children services one child at a time: for the children the portal
    holds already, for new children whose entry to care starts the initial-PEP flow, and (with
    `bulk=False`) for every child, as the reference the bulk path is tested against."""

    def __init__(self, actor: User | None) -> None:
        self.actor = actor

    def register(self, **kwargs: Any) -> tuple[Child, CareEpisode, Placement]:
        child = children_services.child_register(
            actor=self.actor,
            school_known=False,
            **kwargs,
        )
        # The services' own records, as the bulk path hands back its own.
        episode = child.episodes.get()
        return child, episode, child.placements.get()

    def fields_update(self, *, record: Child | CareEpisode | Placement, values: Any) -> bool:
        return children_services.imported_fields_update(
            actor=self.actor, record=record, values=values
        )

    def placement_change(self, *, child: Child, announce: bool, **kwargs: Any) -> Placement:
        return children_services.placement_change(
            actor=self.actor, child=child, announce=announce, **kwargs
        )

    def leave(self, *, child: Child, left_on: dt.date, reason_code: str) -> CareEpisode:
        return children_services.care_leave(
            actor=self.actor, child=child, left_on=left_on, reason_code=reason_code
        )

    def episode_start(self, *, initial_pep: bool, **kwargs: Any) -> CareEpisode:
        return children_services.care_episode_start(
            actor=self.actor, initial_pep=initial_pep, **kwargs
        )


class _Bulk:
    """Writes new children with no news for anyone (children.bulk) all at once, at the end."""

    def __init__(self, actor: User | None, authority: LocalAuthority) -> None:
        self.actor = actor
        self.registration = BulkRegistration(actor=actor, authority_id=authority.pk)

    def register(self, **kwargs: Any) -> tuple[Child, CareEpisode, Placement]:
        # child_register's own check, once: whoever imports may register children.
        first = not self.registration.children
        if first and self.actor is not None and not user_can(self.actor, Action.REGISTER_CHILD):
            raise PermissionDenied
        kwargs.pop("initial_pep")
        kwargs.pop("authority_id")
        return self.registration.register(**kwargs)

    def fields_update(self, *, record: Child | CareEpisode | Placement, values: Any) -> bool:
        return self.registration.fields_update(record=record, values=values)

    def placement_change(self, *, child: Child, announce: bool, **kwargs: Any) -> Placement:
        return self.registration.placement_change(child=child, **kwargs)

    def leave(self, *, child: Child, left_on: dt.date, reason_code: str) -> CareEpisode:
        return self.registration.leave(child=child, left_on=left_on, reason_code=reason_code)

    def episode_start(self, *, initial_pep: bool, **kwargs: Any) -> CareEpisode:
        assert not initial_pep
        return self.registration.episode_start(**kwargs)


_Writer = _Services | _Bulk


class _Importer:
    def __init__(
        self,
        authority: LocalAuthority,
        actor: User | None,
        as_of: dt.date,
        result: RollResult,
        *,
        bulk: bool = True,
    ) -> None:
        self.authority, self.actor, self.as_of, self.result = authority, actor, as_of, result
        self.counts = result.counts
        self.warnings: list[tuple[Child, str, str]] = []
        rules = _rules(authority)
        self.rule, self.youngest_age = rules.emergency, rules.youngest_age
        self.lookback = rules.initial_pep_lookback_days
        self.services = _Services(actor)
        self.bulk = _Bulk(actor, authority) if bulk else None
        children = Child.objects.filter(authority=authority).prefetch_related(
            Prefetch("episodes", queryset=CareEpisode.objects.order_by("started_on", "pk")),
            Prefetch("placements", queryset=Placement.objects.order_by("started_on", "pk")),
        )
        self.by_id: dict[str, Child] = {}
        self.by_upn: dict[str, Child] = {}
        for child in children:
            if child.social_care_id:
                self.by_id[child.social_care_id] = child
            if child.upn:
                self.by_upn[child.upn] = child

    def initial_pep(self, entered_care_on: dt.date) -> bool:
        """The rule set's rule: an entry to care at most `initial_pep_lookback_days` before the
        extract's date starts the initial-PEP flow (its PEP is due within 10 or 20 days); an
        older one is a record brought onto the portal late, whose termly PEPs follow instead."""
        return (self.as_of - entered_care_on).days <= self.lookback

    def run(self, extract: Extract) -> None:
        for row in extract.children:
            # Younger than the rule set's youngest age, or not yet in a school year with a PEP
            # template (children.school_year): not on the roll yet.
            if (
                age_on(row.date_of_birth, self.as_of) < self.youngest_age
                or year_group_on(row.date_of_birth, self.as_of).pep_template is None
            ):
                self.counts.too_young += 1
                continue
            child = self.by_id.get(row.child_id) or (row.upn and self.by_upn.get(row.upn)) or None
            if child is None:
                self._register(row)
            else:
                self._update(child, row)

    # --- a child new to the portal -------------------------------------------------------------

    def _register(self, row: ChildRow) -> None:
        periods = periods_of(row)
        first = periods[0]
        placement = first.placements()[0]
        values = first.episode_values(self.rule)
        # A child with an entry to care recent enough for an initial PEP goes through the
        # services one at a time (the initial-PEP flow, the people told); all others at once.
        news = any(self.initial_pep(p.start) for p in periods)
        writer: _Writer = self.bulk if self.bulk is not None and not news else self.services
        child, episode, first_placement = writer.register(
            authority_id=self.authority.pk,
            details={
                "legal_first_name": "Name not known",
                "legal_last_name": f"(case system ID {row.child_id})",
                "date_of_birth": row.date_of_birth,
                "gender": row.gender,
                "ethnicity": row.ethnicity,
                "upn": row.upn,
                "social_care_id": row.child_id,
            },
            entered_care_on=first.start,
            emergency_placement=values.pop("emergency_placement"),
            legal_status=values.pop("legal_status"),
            placement_type=codes.PLACEMENT[placement.place][1],
            placement_started_on=placement.decom,
            age_checked_on=self.as_of,
            initial_pep=self.initial_pep(first.start),
            episode_codes={k: v for k, v in values.items() if k != "ssda903_reason_ceased"},
            placement_codes={
                k: v for k, v in placement_values(placement).items() if k != "placement_type"
            },
        )
        self.counts.new_children += 1
        self._warn(child, "name", NAME_MESSAGE)
        if row.upn_warning:
            self._warn(child, "upn", row.upn_warning)
        self._apply_periods(child, periods, [episode], [first_placement], new=True, writer=writer)

    # --- a child the portal already holds ------------------------------------------------------

    def _update(self, child: Child, row: ChildRow) -> None:
        changed = self._details(child, row)
        before = (self.counts.changed_placements, self.counts.left_care, self.counts.re_entered)
        updated = self.counts.updated_records
        self._apply_periods(
            child,
            periods_of(row),
            list(child.episodes.all()),
            list(child.placements.all()),
            new=False,
            writer=self.services,
        )
        after = (self.counts.changed_placements, self.counts.left_care, self.counts.re_entered)
        if not changed and before == after and updated == self.counts.updated_records:
            self.counts.unchanged_children += 1

    def _details(self, child: Child, row: ChildRow) -> bool:
        values: dict[str, Any] = {}
        if not child.social_care_id:
            values["social_care_id"] = row.child_id
        if row.upn and not child.upn:
            values["upn"] = row.upn
        elif row.upn and child.upn != row.upn:
            self._differ(child, "UPN", child.upn, row.upn)
        elif row.upn_warning and not child.upn:
            self._warn(child, "upn", row.upn_warning)
        for label, name, theirs in (
            ("date of birth", "date_of_birth", row.date_of_birth),
            ("gender", "gender", row.gender),
            ("ethnicity", "ethnicity", row.ethnicity),
        ):
            if getattr(child, name) != theirs:
                self._differ(child, label, getattr(child, name), theirs)
        if values and self.services.fields_update(record=child, values=values):
            self.counts.updated_records += 1
            return True
        return False

    def _apply_periods(
        self,
        child: Child,
        periods: list[Period],
        episodes: list[CareEpisode],
        placements: list[Placement],
        *,
        new: bool,
        writer: _Writer,
    ) -> None:
        by_start = {e.started_on: e for e in episodes}
        for period in periods:
            episode = by_start.get(period.start)
            values = period.episode_values(self.rule)
            if episode is None:
                if any(e.ended_on is None or e.started_on > period.start for e in episodes):
                    self._differ_text(
                        child,
                        f"the extract has a period in care from {period.start:%d/%m/%Y} that "
                        "the portal's record does not fit: not imported",
                    )
                    continue
                episode = writer.episode_start(
                    child=child,
                    entered_care_on=period.start,
                    emergency_placement=values["emergency_placement"],
                    legal_status=values["legal_status"],
                    initial_pep=self.initial_pep(period.start),
                )
                episodes.append(episode)
                self.counts.re_entered += 1
            values.pop("ssda903_reason_ceased")
            if self._fields_update(writer, child, episode, values, new=new):
                self.counts.updated_records += 1
            self._apply_placements(child, period, placements, new=new, writer=writer)
            if period.end is not None and episode.ended_on is None:
                ended = writer.leave(child=child, left_on=period.end, reason_code=period.reason)
                episode.ended_on = ended.ended_on
                self.counts.left_care += 1
            elif period.end is not None and episode.ended_on != period.end:
                self._differ(child, "date left care", episode.ended_on, period.end)

    def _apply_placements(
        self,
        child: Child,
        period: Period,
        placements: list[Placement],
        *,
        new: bool,
        writer: _Writer,
    ) -> None:
        by_start = {p.started_on: p for p in placements}
        for move in period.placements():
            values = placement_values(move)
            placement = by_start.get(move.decom)
            if placement is not None:
                if self._fields_update(writer, child, placement, values, new=new):
                    self.counts.updated_records += 1
                continue
            latest = max((p.started_on for p in placements), default=None)
            if latest is not None and move.decom <= latest:
                self._differ_text(
                    child,
                    f"the extract has a placement from {move.decom:%d/%m/%Y}, before the "
                    "portal's latest one: not imported",
                )
                continue
            # A new child's earlier placements are their history, not news for anyone.
            placement = writer.placement_change(
                child=child,
                placement_type=values.pop("placement_type"),
                started_on=move.decom,
                codes=values,
                announce=not new,
            )
            placements.append(placement)
            by_start[placement.started_on] = placement
            if not new:
                self.counts.changed_placements += 1

    def _fields_update(
        self,
        writer: _Writer,
        child: Child,
        record: CareEpisode | Placement,
        values: dict[str, Any],
        *,
        new: bool,
    ) -> bool:
        """Take the extract's codes, except where a person corrected the field by hand: that
        stays, and the difference is listed (in the preview, before anything is written)."""
        if not new and any(getattr(record, k) != v for k, v in values.items()):
            for name in sorted(children_selectors.corrected_fields(record)):
                if name in values and getattr(record, name) != values[name]:
                    theirs = values.pop(name)
                    label = record._meta.get_field(name).verbose_name  # type: ignore[union-attr]
                    self._differ(
                        child,
                        f"{record}, {label} (corrected by hand)",
                        _shown(record, name, getattr(record, name)),
                        _shown(record, name, theirs),
                    )
        return writer.fields_update(record=record, values=values)

    # --- notes for people ----------------------------------------------------------------------

    def _warn(self, child: Child, field_name: str, message: str) -> None:
        if child.pk is None and self.bulk is not None:
            self.bulk.registration.warn(
                child=child, field=field_name, message=message, source=SOURCE
            )
        else:
            self.warnings.append((child, field_name, message))

    def finish(self) -> None:
        if self.bulk is not None:
            self.bulk.registration.save()
        children_services.record_warnings_raise(
            warnings=[(child.pk, name, message) for child, name, message in self.warnings],
            source=SOURCE,
        )

    def _differ(self, child: Child, label: str, ours: Any, theirs: Any) -> None:
        shown = [
            v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v) for v in (ours, theirs)
        ]
        self._differ_text(
            child, f"{label}: the portal has {shown[0]}, the extract {shown[1]} (portal kept)"
        )

    def _differ_text(self, child: Child, text: str) -> None:
        self.result.differences.append(f"{child.social_care_id or child.pk}: {text}")


def _shown(record: CareEpisode | Placement, name: str, value: Any) -> str:
    """A value as people read it: a choice's label; yes or no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    choices = dict(getattr(record._meta.get_field(name), "flatchoices", None) or [])
    return str(choices.get(value, value)) if value != "" else "nothing"


def roll_import(
    *,
    authority: LocalAuthority,
    extract: Extract,
    as_of: dt.date,
    actor: User | None = None,
    dry_run: bool = False,
    file_label: str = "",
    bulk: bool = True,
) -> RollResult:
    """Apply the extract, or (with errors) refuse all of it. `actor` None: the command line.
    `bulk=False` registers every new child through the services one at a time: the reference
    the bulk path (children.bulk) is tested against, some ninety queries a child."""
    result = RollResult(
        counts=RollCounts(
            refused_rows=len(extract.refused_lines),
            warnings=len(extract.warnings),
            not_looked_after=extract.not_looked_after,
        ),
        errors=list(extract.errors),
        warnings=list(extract.warnings),
        dry_run=dry_run,
    )
    if extract.errors:
        return result
    with transaction.atomic():
        with access_synced_once():
            importer = _Importer(authority, actor, as_of, result, bulk=bulk)
            importer.run(extract)
            importer.finish()
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit.record(
                actor,
                AuditAction.IMPORTED,
                authority_id=authority.pk,
                detail={
                    "import": "roll (SSDA903)",
                    "file": file_label[-200:],
                    "as_of": str(as_of),
                    **asdict(result.counts),
                },
                actor_label="" if actor else "import_903 command",
            )
    return result


def summary_line(counts: RollCounts) -> str:
    """The preview's headline: "12 new children, 30 changed placements, 4 left care, 2 rows
    refused"."""
    parts = Counter(
        {
            "new children": counts.new_children,
            "changed placements": counts.changed_placements,
            "left care": counts.left_care,
            "came back into care": counts.re_entered,
            "rows refused": counts.refused_rows,
        }
    )
    return ", ".join(f"{n} {label}" for label, n in parts.items())


# --- The upload page: preview, then confirm ------------------------------------------------------


def _require_importer(actor: User) -> None:
    if not user_can(actor, Action.IMPORT_ROLL):
        raise PermissionDenied


def roll_upload_preview(
    *, actor: User, files: list[tuple[str, bytes]], as_of: dt.date
) -> RollImport:
    """Check the files and work out what importing them would do, saving nothing of the roll.
    The files are kept (Django's storage) until the import is confirmed or discarded, so what
    is imported is exactly what was previewed."""
    _require_importer(actor)
    authority = actor.authority
    assert authority is not None
    extract = parse_extract(files, as_of)
    result = roll_import(
        authority=authority, extract=extract, as_of=as_of, actor=actor, dry_run=True
    )
    upload = RollImport(
        authority=authority,
        uploaded_by=actor,
        as_of=as_of,
        file_names=[name for name, _ in files],
        status=RollImportStatus.REFUSED if result.refused else RollImportStatus.PREVIEWED,
        preview=result.as_json(),
    )
    if not result.refused:
        upload.storage_prefix = f"roll-imports/{upload.key.hex}"
        for number, (name, data) in enumerate(files):
            extract_storage().save(
                f"{upload.storage_prefix}/{number}-{get_valid_filename(name) or 'file'}",
                ContentFile(data),
            )
    upload.save()
    return upload


def _stored_files(upload: RollImport) -> list[tuple[str, bytes]]:
    files = []
    for number, name in enumerate(upload.file_names):
        path = f"{upload.storage_prefix}/{number}-{get_valid_filename(name) or 'file'}"
        with extract_storage().open(path, "rb") as stream:
            files.append((name, stream.read()))
    return files


def _forget_files(upload: RollImport) -> None:
    for number, name in enumerate(upload.file_names):
        path = f"{upload.storage_prefix}/{number}-{get_valid_filename(name) or 'file'}"
        if extract_storage().exists(path):
            extract_storage().delete(path)


@transaction.atomic
def roll_upload_confirm(*, actor: User, upload: RollImport) -> RollResult:
    """Import what was previewed. The stored files are deleted once imported: the portal keeps
    the roll, not the case system's extract."""
    _require_importer(actor)
    upload = RollImport.objects.select_for_update().get(pk=upload.pk)
    if upload.authority_id != actor.authority_id:
        raise PermissionDenied
    if upload.status != RollImportStatus.PREVIEWED:
        raise ValidationError("This upload has already been imported or discarded")
    extract = parse_extract(_stored_files(upload), upload.as_of)
    result = roll_import(
        authority=upload.authority,
        extract=extract,
        as_of=upload.as_of,
        actor=actor,
        file_label=", ".join(upload.file_names),
    )
    upload.status = RollImportStatus.REFUSED if result.refused else RollImportStatus.IMPORTED
    upload.result = result.as_json()
    upload.imported_at = timezone.now()
    upload.save()
    if not result.refused:
        transaction.on_commit(lambda: _forget_files(upload))
    return result


@transaction.atomic
def roll_upload_discard(*, actor: User, upload: RollImport) -> None:
    _require_importer(actor)
    upload = RollImport.objects.select_for_update().get(pk=upload.pk)
    if upload.authority_id != actor.authority_id:
        raise PermissionDenied
    if upload.status == RollImportStatus.PREVIEWED:
        upload.status = RollImportStatus.DISCARDED
        upload.save()
        transaction.on_commit(lambda: _forget_files(upload))
