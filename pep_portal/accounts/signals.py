"""Events the base layer announces, so apps above it can follow without being imported here."""

from django.dispatch import Signal

# Sent by `children.access.sync_child_access` inside its transaction when people gained or lost
# access to children. Arguments: user_ids, child_ids (sets of ids).
child_access_changed = Signal()

# Sent by the accounts services inside their transaction when a fact about people that their
# care teams depend on changed: an account opened, closed or reopened, a designated teacher
# invited, approved or no longer approved, an operator changed someone's role or school.
# Argument: user_ids (a set of ids). The children app (children.access.sync_access_of_people)
# re-derives those people's access to children, so it is never left to another change.
care_team_facts_changed = Signal()

# Sent by the approval services (accounts.services) inside their transaction when an authority
# approves a designated teacher or withdraws its approval. Arguments: approval (a
# children.TeacherApproval), actor (the user who did it).
teacher_approval_changed = Signal()
