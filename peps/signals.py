"""Events the PEP layer announces, so apps above it can follow without being imported here."""

from django.dispatch import Signal

# Sent by `services.pep_sign_off` inside its transaction once the PEP is signed off.
# Arguments: pep (the signed-off Pep), actor (the user who signed it off). documents keeps the
# signed-off PDF (documents/receivers.py).
pep_signed_off = Signal()

# Sent by `services.section_save` inside its transaction once a section's answers are saved.
# Arguments: section (the saved PepSection), actor. pupil_premium keeps the PP+ request the
# "Pupil Premium Plus request" section is (pupil_premium/receivers.py); a receiver that refuses
# (ValidationError) refuses the save, so the section and the request never disagree.
pep_section_saved = Signal()
