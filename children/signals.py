"""Events the children layer announces, so apps above it can follow without being imported
here."""

from django.dispatch import Signal

# Sent by the services that register a child or move their school (children.services) inside
# their transaction when the child is left without a school place. Argument: child. meetings
# decides whether the authority's rules ask for a meeting with the virtual school
# (meetings/receivers.py).
school_place_missing = Signal()

# The events below are sent by children.services inside their transaction, after the change
# and after access is re-derived; the notification centre tells the people who must act
# (notifications/receivers.py). Every one has the argument actor (the user who made the change).

# A child was registered as entering care. Argument: child.
child_entered_care = Signal()

# A child changed school or lost their school place. Arguments: child, enrolment (the new one,
# or None for "no school place").
school_changed = Signal()

# A child moved home (a new placement). Arguments: child, placement (the new one).
placement_changed = Signal()

# A designated teacher let a colleague work on a child's PEPs. Argument: delegation.
delegation_granted = Signal()
