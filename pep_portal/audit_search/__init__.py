"""The authority's audit search page and its CSV export.

Kept apart from pep_portal.audit (the log itself, the lowest layer, which every app writes to):
this page asks the permission engine and reads children, so it sits at the top, beside the
other pages that span apps.
"""
