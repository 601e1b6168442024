"""What the outcomes layer announces, so the notification centre above it can tell people
without being imported here (docs/architecture.md, "How a lower layer reaches a higher one")."""

from django.dispatch import Signal

# Sent by outcomes.services inside its transaction, once per event (OutcomeAlert's unique key
# makes "once" true even when two imports race): a suspension or exclusion recorded, a term's
# attendance under the rule set's thresholds, a child with no setting for too long.
# Arguments: alert (the OutcomeAlert, with its child). pep_portal/notifications/receivers.py
# tells the child's virtual school adviser and social worker.
outcome_alert_raised = Signal()
