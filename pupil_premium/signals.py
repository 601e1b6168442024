"""Events the Pupil Premium Plus layer announces, so apps above it can follow without being
imported here (docs/adr/0004-layers.md)."""

from django.dispatch import Signal

# Sent by `services.pp_request_decide` inside its transaction once a request is approved,
# part-approved or declined. Arguments: request (the decided PpRequest), actor (who decided).
# The notification centre tells the designated teacher and the social worker
# (notifications/receivers.py); documents makes a new version of a signed-off PEP's kept PDF
# (documents/receivers.py).
pp_request_decided = Signal()
