"""Events the PEP layer announces, so apps above it can follow without being imported here."""

from django.dispatch import Signal

# Sent by `services.pep_sign_off` inside its transaction once the PEP is signed off.
# Arguments: pep (the signed-off Pep), actor (the user who signed it off). documents keeps the
# signed-off PDF (documents/receivers.py).
pep_signed_off = Signal()

# Sent by `services.pep_return` inside its transaction once the PEP is returned for changes.
# Arguments: pep, actor, event (the PepEvent that records the return and its reason). The
# notification centre tells the care team who must act (notifications/receivers.py).
pep_returned = Signal()
