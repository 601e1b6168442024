"""Events the children layer announces, so apps above it can follow without being imported
here."""

from django.dispatch import Signal

# Sent by the services that register a child or move their school (children.services) inside
# their transaction when the child is left without a school place. Argument: child. meetings
# decides whether the authority's rules ask for a meeting with the virtual school
# (meetings/receivers.py).
school_place_missing = Signal()

# The events below are sent by children.services inside their transaction, after the change
# and after access is re-derived. Every one has the argument actor (the user who made the
# change); the notification centre tells the people who must act (notifications/receivers.py).

# Sent by the services that record a child entering care (children.services.child_register, and
# care_episode_start for a child who comes back into care) once the episode, placement and
# school place are saved. Arguments: child, episode (the new CareEpisode), actor. peps sets up
# the initial PEP (peps/receivers.py); the virtual school is told.
child_entered_care = Signal()

# Sent by `services.school_move` after the move is saved and access re-derived. Arguments:
# child, previous (the Enrolment that ended, or None), enrolment (the new one, or None for "no
# school place"), moved_on, actor. peps applies the rule set's school-change rule, the previous
# school's read-only window and the handover of its unfinished sections (peps/receivers.py);
# the receiving designated teacher and the virtual school are told.
school_moved = Signal()

# A child moved home (a new placement). Arguments: child, placement (the new one).
placement_changed = Signal()

# A designated teacher let a colleague work on a child's PEPs. Argument: delegation.
delegation_granted = Signal()
