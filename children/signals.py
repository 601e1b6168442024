"""Events the children layer announces, so apps above it can follow without being imported
here."""

from django.dispatch import Signal

# Sent by the services that register a child or move their school (children.services) inside
# their transaction when the child is left without a school place. Argument: child. meetings
# decides whether the authority's rules ask for a meeting with the virtual school
# (meetings/receivers.py).
school_place_missing = Signal()
