"""Retention: a child's whole education record is deleted once the authority's rule says it
has been kept long enough after the child left care (RetentionRule), by a nightly job that
reports counts only. The same job takes the e-mail address of an invitee without an account
off the e-mails sent to them once their meeting is INVITEE_EMAIL_KEEP_DAYS past
(notifications.services.invitee_addresses_remove).

Deleting a record means everything that belongs to the child: the child row and whatever
refers to it (PEPs and their sections, meetings, targets, attachments, PP+ requests,
notifications, delegations), found through the models' own relations, so a new model
that refers to a child (or to something of the child's) is included without changing this
module. Their history rows (django-simple-history) go too, and so do their files: attachments
and the kept signed-off PDFs. Rows that point at a child without a database constraint
(DO_NOTHING: history, an audit log) are not followed: history is purged here by primary key, and
an audit log keeps its own retention period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.db.models.deletion import Collector
from django.utils import timezone

from children.models import Child
from documents.services import signed_off_pdf_name
from pep_portal.notifications.services import invitee_addresses_remove
from peps.models import Pep, private_storage

from .models import KeepUntil, RetentionAction, RetentionRule


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def children_due(*, rule: RetentionRule, today: dt.date) -> list[Child]:
    """The authority's children out of care whose record the rule says is kept long enough."""
    out_of_care = (
        Child.objects.filter(authority=rule.authority, episodes__isnull=False)
        .exclude(episodes__ended_on__isnull=True)
        .annotate(left_care_on=Max("episodes__ended_on"))
        .order_by("pk")
    )
    due: list[Child] = []
    for child in out_of_care:
        if rule.keep_until == KeepUntil.BIRTHDAY_25:
            until = _add_years(child.date_of_birth, 25)
        else:
            until = _add_years(child.left_care_on, rule.years)
        if until <= today:
            due.append(child)
    return due


def _protected_dependents(model: type[models.Model], pks: set[int]) -> list[tuple]:  # type: ignore[type-arg]
    """Rows that refer to these with PROTECT (a PEP to its child): they belong to the
    record, and must go first."""
    found = []
    for relation in model._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            related = relation.related_model
            assert not isinstance(related, str)  # resolved once the apps are loaded
            rows = set(
                related._base_manager.filter(**{f"{relation.field.name}__in": pks}).values_list(
                    "pk", flat=True
                )
            )
            if rows:
                found.append((related, rows))
    return found


def _erase(model: type[models.Model], pks: set[int], files: list[str]) -> int:
    deleted = 0
    for related, rows in _protected_dependents(model, pks):
        deleted += _erase(related, rows, files)
    collector = Collector(using="default")
    collector.collect(list(model._base_manager.filter(pk__in=pks)))
    doomed: dict[type[models.Model], set[int]] = defaultdict(set)
    for each_model, instances in collector.data.items():
        doomed[each_model] |= {obj.pk for obj in instances}
    for queryset in collector.fast_deletes:
        doomed[queryset.model] |= set(queryset.values_list("pk", flat=True))
    for each_model, each_pks in doomed.items():
        file_fields = [f for f in each_model._meta.fields if isinstance(f, models.FileField)]
        if file_fields:
            for row in each_model._base_manager.filter(pk__in=each_pks):
                files += [getattr(row, f.name).name for f in file_fields if getattr(row, f.name)]
        if each_model is Pep:
            files += [signed_off_pdf_name(Pep(pk=pk)) for pk in each_pks]
    deleted += collector.delete()[0]
    for each_model, each_pks in doomed.items():
        history = getattr(each_model, "history", None)
        historical = getattr(history, "model", None)
        if historical is not None and hasattr(historical, "history_id"):
            historical.objects.filter(id__in=each_pks).delete()
    return deleted


def _delete_files(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        if storage.exists(name):
            storage.delete(name)


def child_record_erase(*, child: Child) -> int:
    """Delete the child's whole record, its history and its files; return the rows deleted.
    The files go once the deletion has committed."""
    files: list[str] = []
    with transaction.atomic():
        deleted = _erase(Child, {child.pk}, files)
        transaction.on_commit(lambda: _delete_files(files))
    return deleted


@dataclass
class RetentionReport:
    """Counts per authority (its id), never a name: the report goes to the logs.
    `invitee_addresses_removed`: e-mail addresses of invitees without an account taken off
    the e-mails sent to them, INVITEE_EMAIL_KEEP_DAYS after their meeting (with a dry run, how
    many would be)."""

    due: dict[int, int] = field(default_factory=dict)
    deleted: dict[int, int] = field(default_factory=dict)
    rows_deleted: int = 0
    invitee_addresses_removed: int = 0


def apply_retention(*, today: dt.date | None = None, dry_run: bool = False) -> RetentionReport:
    today = today or timezone.localdate()
    report = RetentionReport(
        invitee_addresses_removed=invitee_addresses_remove(
            today=today, keep_days=settings.INVITEE_EMAIL_KEEP_DAYS, dry_run=dry_run
        )
    )
    for rule in RetentionRule.objects.select_related("authority").order_by("authority_id"):
        due = children_due(rule=rule, today=today)
        report.due[rule.authority_id] = len(due)
        if dry_run or rule.action != RetentionAction.DELETE:
            continue
        for child in due:
            report.rows_deleted += child_record_erase(child=child)
        report.deleted[rule.authority_id] = len(due)
    return report
