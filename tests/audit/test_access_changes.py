"""Grants and revokes of access to a child are audit events."""

from children.services import care_team_allocate
from pep_portal.audit.models import AuditAction, AuditEvent


def test_reallocating_the_social_worker_records_one_grant_and_one_revoke(personas, setting):
    before = AuditEvent.objects.count()
    care_team_allocate(
        actor=personas.virtual_school_staff,
        child=setting.child,
        social_worker=personas.unrelated_social_worker,
        virtual_school_adviser=personas.virtual_school_staff,
        independent_reviewing_officer=personas.independent_reviewing_officer,
    )
    events = AuditEvent.objects.order_by("id")[before:]
    assert sorted((e.action, e.target_id, e.child_id, e.authority_id) for e in events) == sorted(
        [
            (
                AuditAction.ACCESS_GRANTED,
                str(personas.unrelated_social_worker.pk),
                setting.child.pk,
                personas.authority.pk,
            ),
            (
                AuditAction.ACCESS_REVOKED,
                str(personas.social_worker.pk),
                setting.child.pk,
                personas.authority.pk,
            ),
        ]
    )
    assert all(e.detail == {} for e in events)  # one child: each pair is exact
