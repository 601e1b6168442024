"""Events the PEP layer announces, so apps above it can follow without being imported here."""

from django.dispatch import Signal

# Sent by `services.pep_sign_off` inside its transaction once the PEP is signed off.
# Arguments: pep (the signed-off Pep), actor (the user who signed it off). documents keeps the
# signed-off PDF (documents/receivers.py).
pep_signed_off = Signal()

# Sent by `services.pep_set_up` inside its transaction once a PEP and its sections exist (the
# termly set-up, an initial PEP, or one set up by hand). Argument: pep. meetings arranges the
# next meeting agreed at the child's last meeting, when it falls in this PEP's term
# (meetings/receivers.py).
pep_was_set_up = Signal()

# Sent by `services.pep_set_up_many` (the termly set-up's batch) inside its transaction, once for
# the whole batch. Argument: peps (the new PEPs, all of one term). The same followers as
# pep_was_set_up, done for the batch (meetings/receivers.py).
peps_were_set_up = Signal()

# Sent by `services.pep_return` inside its transaction once the PEP is returned for changes.
# Arguments: pep, actor, event (the PepEvent that records the return and its reason). The
# notification centre tells the care team who must act (notifications/receivers.py).
pep_returned = Signal()
