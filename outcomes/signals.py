"""What the outcomes layer announces, so the notification centre above it can tell people
without being imported here (docs/architecture.md, "How a lower layer reaches a higher one")."""

from django.dispatch import Signal

# Sent by outcomes.services inside its transaction, once per event (OutcomeAlert's unique key
# makes "once" true even when two imports race): a suspension or exclusion recorded, a term's
# attendance under the rule set's thresholds, a child with no setting for too long.
# Arguments: alert (the OutcomeAlert, with its child). pep_portal/notifications/receivers.py
# tells the child's virtual school adviser and social worker.
outcome_alert_raised = Signal()

# The same for many events at once (a school's data file): sent inside the import's transaction
# with the ids of the alerts just made, which the notification centre tells in one batch after
# the commit (queued through the outbox). Arguments: alert_ids (a list of OutcomeAlert ids).
outcome_alerts_raised = Signal()
