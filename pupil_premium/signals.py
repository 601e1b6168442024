"""Events the Pupil Premium Plus layer announces, so apps above it can follow without being
imported here."""

from django.dispatch import Signal

# Sent by `services.pp_request_decide` inside its transaction once a request is approved,
# part-approved or declined. Arguments: request (the PpRequest), actor. The notification centre
# tells the designated teacher and the social worker (notifications/receivers.py).
pp_request_decided = Signal()
