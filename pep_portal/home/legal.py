"""The legal and help pages' words: the privacy notice's parts, each in the authority's own
words when it has written them (LocalAuthority.privacy_*, edited in the admin), otherwise the
standard wording below. Every page is open to anyone, signed in or not."""

from dataclasses import dataclass

from django.conf import settings

from pep_portal.accounts.models import LocalAuthority

# The standard wording, used for any part an authority has left blank. Kept plain: read by
# carers and young people as well as staff.
STANDARD = {
    "privacy_held": (
        "About each child in our care: their name, date of birth, unique pupil number, gender, "
        "ethnicity, first language and any special educational needs; their care placement and "
        "legal status; their school, year group and attendance; their personal education plans "
        "(PEPs), with the views they give, the targets set and the support paid for from the "
        "Pupil Premium Plus grant.\n\n"
        "About the people who use the service: your name, work e-mail address, job title, "
        "school or team, and a record of what you looked at and changed, and when."
    ),
    "privacy_why": (
        "To write, review and keep each child's personal education plan with the people who "
        "look after and teach them; to see that every child in our care has a plan on time; "
        "to decide and pay Pupil Premium Plus; and to report on how well children in our care "
        "are doing at school. We never use the information for marketing and never sell it."
    ),
    "privacy_lawful_basis": (
        "Public task (UK GDPR Article 6(1)(e)): the local authority's duty to promote the "
        "educational achievement of the children it looks after (Children Act 1989, section "
        "22(3A)) and to keep a personal education plan as part of each care plan (the Care "
        "Planning, Placement and Case Review (England) Regulations 2010).\n\n"
        "For information about health, ethnicity and special educational needs: substantial "
        "public interest (Article 9(2)(g)) for statutory purposes, and the safeguarding of "
        "children (Data Protection Act 2018, Schedule 1, paragraphs 6 and 18)."
    ),
    "privacy_retention": (
        "A child's education record is kept until they reach 25, or for the period the "
        "authority's retention schedule sets after they leave care, and is then deleted "
        "automatically with its documents. The record of who looked at or changed it is kept "
        "for its own shorter period. Accounts of people who no longer use the service are "
        "closed and their details removed."
    ),
    "privacy_rights": (
        "You, and a child or young person whose information we hold, have the right to: be "
        "told how it is used (this notice); see a copy of it (a subject access request); have "
        "it corrected if it is wrong; ask for its use to be restricted, or object to it; and "
        "complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113) if you "
        "are unhappy with how we have handled it."
    ),
    "privacy_contact": (
        "Ask the Virtual School first, at the address below. For a subject access request or "
        "a complaint about how your information is handled, write to the authority's data "
        "protection officer."
    ),
}

PARTS = (
    ("privacy_held", "What we hold"),
    ("privacy_why", "Why we hold it"),
    ("privacy_lawful_basis", "Our lawful basis"),
    ("privacy_retention", "How long we keep it"),
    ("privacy_rights", "Your rights"),
    ("privacy_contact", "How to contact us"),
)


@dataclass(frozen=True)
class Part:
    key: str
    heading: str
    paragraphs: list[str]
    standard: bool  # the standard wording, not the authority's own


def privacy_parts(authority: LocalAuthority | None) -> list[Part]:
    """The privacy notice's parts in order, the authority's words where it has written them."""
    parts = []
    for key, heading in PARTS:
        own = (getattr(authority, key) if authority else "").strip()
        text = own or STANDARD[key]
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        parts.append(Part(key, heading, paragraphs, standard=not own))
    return parts


def service_name() -> str:
    return str(settings.SERVICE_NAME)
