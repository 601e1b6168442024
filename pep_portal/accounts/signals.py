"""Events the base layer announces, so apps above it can follow without being imported here."""

from django.dispatch import Signal

# Sent by `permissions.sync_child_access` inside its transaction when people gained or lost
# access to children. Arguments: user_ids, child_ids (sets of ids).
child_access_changed = Signal()

# Sent by the approval services (accounts.services) inside their transaction when an authority
# approves a designated teacher or withdraws its approval. Arguments: approval (a
# children.TeacherApproval), actor (the user who did it).
teacher_approval_changed = Signal()
