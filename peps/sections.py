"""What a PEP asks, section by section, for each template: data, not code branches.

Each section has an owner (who completes it and marks it complete) and fields. A field may
apply to some templates only (EYFS areas of learning, post-16 courses), and may be required
only when another answer makes it so (the PP+ amount when PP+ is requested). The section's
content is stored as JSON keyed by field name, so a template can grow without a migration.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from children.models import SenStatus
from children.school_year import PepTemplate
from pep_portal.calendars.choices import Contribution

ALL = frozenset(PepTemplate)
EYFS = frozenset({PepTemplate.EYFS})
YG = frozenset({PepTemplate.YG})
POST_16 = frozenset({PepTemplate.POST_16})
SCHOOL_AGE = frozenset({PepTemplate.YG, PepTemplate.POST_16})


class SectionOwner(StrEnum):
    DESIGNATED_TEACHER = "designated_teacher"
    SOCIAL_WORKER = "social_worker"
    # The child's views are recorded with them by a trusted adult: the designated teacher,
    # the social worker or the carer, whoever the child chooses.
    CHILD_VOICE = "child_voice"
    CARER = "carer"
    VIRTUAL_SCHOOL = "virtual_school"

    @property
    def label(self) -> str:
        return {
            SectionOwner.DESIGNATED_TEACHER: "Designated teacher",
            SectionOwner.SOCIAL_WORKER: "Social worker",
            SectionOwner.CHILD_VOICE: "Child or young person, with a trusted adult",
            SectionOwner.CARER: "Carer",
            SectionOwner.VIRTUAL_SCHOOL: "Virtual school",
        }[self]


class Kind(StrEnum):
    TEXT = "text"  # one line, up to 200 characters
    TEXTAREA = "textarea"  # up to 5,000 characters
    CHOICE = "choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"
    # Answered by structured records, never typed: the term's attendance in sessions, its
    # attainment on the key stage's scale, dated suspensions and part-time timetables, kept
    # by the outcomes app and edited from the section's page. `FieldSpec.records` names them.
    RECORDS = "records"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Kind
    required: bool = True
    templates: frozenset[PepTemplate] = ALL
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    # Required only when another field has this value, e.g. ("pp_requested", "yes").
    required_if: tuple[str, str] | None = None
    # Asked (counted, shown as still to answer) only when another field has this value, but
    # not required for completion unless `required` says so.
    asked_if: tuple[str, str] | None = None
    # Whether the next term's PEP starts with this answer (marked until confirmed).
    carries_forward: bool = False
    # A question about the last PEP ("changes since the last PEP", "you said, we did"): an
    # initial PEP has no last PEP, so it does not ask it.
    about_last_pep: bool = False
    # Required where the PEP reviews the Pupil Premium Plus approved at the last one
    # (Pep.reviews_pp_plus): its spend and impact on the targets it funded.
    required_if_pp_review: bool = False
    # For a RECORDS question: which records answer it (ATTAINMENT, ATTENDANCE, EXCLUSIONS,
    # PART_TIME below); their state for the PEP's term is its answer (records_state).
    records: str = ""


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    owner: SectionOwner
    fields: tuple[FieldSpec, ...]
    description: str = ""
    # The contribution it belongs to (calendars.choices.Contribution): the authority's rule set
    # says which contributions are needed before the meeting (needed_before_meeting below).
    contribution: str | None = None
    # Needed before submission; a section needed neither then nor before the meeting is
    # optional, and never anyone's task.
    needed_for_submission: bool = True
    templates: frozenset[PepTemplate] = field(default=ALL)
    # Questions no longer asked (typed before the structured records replaced them): their
    # answers are kept on each section (PepSection.previously_recorded) and shown read-only
    # as "previously recorded", never lost.
    retired: tuple[FieldSpec, ...] = ()

    def fields_for(self, template: PepTemplate, *, initial: bool = False) -> tuple[FieldSpec, ...]:
        """The questions asked on this template; an initial PEP skips those about the last PEP."""
        return tuple(
            f for f in self.fields if template in f.templates and not (initial and f.about_last_pep)
        )

    @property
    def has_records(self) -> bool:
        return any(f.kind == Kind.RECORDS for f in self.fields)


EXPECTATION = (("emerging", "Emerging"), ("expected", "Expected"), ("exceeding", "Exceeding"))
EYFS_AREAS = (
    ("communication_and_language", "Communication and language"),
    ("personal_social_emotional", "Personal, social and emotional development"),
    ("physical_development", "Physical development"),
    ("literacy", "Literacy"),
    ("mathematics", "Mathematics"),
    ("understanding_the_world", "Understanding the world"),
    ("expressive_arts_and_design", "Expressive arts and design"),
)
HOW_RECORDED = (
    ("conversation_at_school", "Conversation at school"),
    ("conversation_at_home", "Conversation at home with their carer"),
    ("written_by_child", "Written by the child or young person"),
    ("pictures_or_symbols", "Pictures, symbols or play"),
    ("at_the_meeting", "Said at the PEP meeting"),
    ("other", "Another way"),
)
NEET_RISK = (("low", "Low"), ("medium", "Medium"), ("high", "High"))


def _t(name: str, label: str, **kw: object) -> FieldSpec:
    return FieldSpec(name, label, Kind.TEXT, **kw)  # type: ignore[arg-type]


def _area(name: str, label: str, **kw: object) -> FieldSpec:
    return FieldSpec(name, label, Kind.TEXTAREA, **kw)  # type: ignore[arg-type]


# The records a RECORDS question stands for (FieldSpec.records).
ATTAINMENT = "attainment"
ATTENDANCE = "attendance"
EXCLUSIONS = "exclusions"
PART_TIME = "part_time"


def _records(name: str, label: str, records: str, **kw: object) -> FieldSpec:
    return FieldSpec(name, label, Kind.RECORDS, records=records, **kw)  # type: ignore[arg-type]


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "learning_history",
        "Learning historical record",
        SectionOwner.DESIGNATED_TEACHER,
        (
            _area(
                "education_history",
                "Education history",
                help="Schools and settings attended, moves, gaps in education.",
                carries_forward=True,
            ),
            _area("strengths", "Strengths and interests", carries_forward=True),
            _area("barriers", "Barriers to learning", carries_forward=True),
        ),
        contribution=Contribution.TEACHER_SECTIONS,
    ),
    SectionSpec(
        "current_attainment",
        "Current levels and attainment",
        SectionOwner.DESIGNATED_TEACHER,
        (
            _records(
                "attainment",
                "Attainment this term",
                ATTAINMENT,
                help="On the scale schools use at the child's key stage: the early learning "
                "goals; the expected standard; age-related expectations; GCSE grades 9 to 1; "
                "post-16 courses and grades. Last term's values are carried forward, and a "
                "school's data file fills them in, for you to confirm or change.",
            ),
            FieldSpec(
                "neet_risk",
                "Risk of not being in education, employment or training",
                Kind.CHOICE,
                templates=POST_16,
                choices=NEET_RISK,
            ),
            _area("progress_summary", "Progress since the last PEP"),
            FieldSpec(
                "expected_progress",
                "Is the child making expected progress?",
                Kind.YES_NO,
                help="A termly review may be held internally only if they are.",
            ),
        ),
        contribution=Contribution.TEACHER_SECTIONS,
        retired=(
            *(
                FieldSpec(name, label, Kind.CHOICE, templates=EYFS, choices=EXPECTATION)
                for name, label in EYFS_AREAS
            ),
            _t("english_current", "English: working at", templates=YG),
            _t("english_target", "English: end of year target", templates=YG),
            _t("maths_current", "Maths: working at", templates=YG),
            _t("maths_target", "Maths: end of year target", templates=YG),
            _t("science_current", "Science: working at", templates=YG),
            _area("other_subjects", "Other subjects", templates=YG),
            _t("course_and_provider", "Course and provider", templates=POST_16),
            _area(
                "qualifications",
                "Qualifications being studied, and predicted grades",
                templates=POST_16,
            ),
            _area("destination", "Planned destination after this course", templates=POST_16),
        ),
    ),
    SectionSpec(
        "attendance",
        "Attendance and exclusions",
        SectionOwner.DESIGNATED_TEACHER,
        (
            _records(
                "attendance",
                "Attendance this term, in sessions",
                ATTENDANCE,
                help="Sessions possible, present, and absent with and without authorisation: "
                "the percentages are worked out from them. A school's data file fills them in "
                "for you to confirm or change.",
            ),
            FieldSpec(
                "suspended_or_excluded",
                "Has the child been suspended or excluded this term?",
                Kind.YES_NO,
            ),
            _records(
                "exclusions",
                "Suspensions and exclusions this term",
                EXCLUSIONS,
                required=False,
                required_if=("suspended_or_excluded", "yes"),
                help="Each with its first day, the sessions lost and the reason.",
            ),
            FieldSpec(
                "part_time_timetable",
                "Is the child on a part-time timetable?",
                Kind.YES_NO,
                carries_forward=True,
            ),
            # Required after a "Yes", as the suspensions are; a "No" above with one recorded
            # is refused (contradictions).
            _records(
                "part_time",
                "Part-time timetables this term",
                PART_TIME,
                required=False,
                required_if=("part_time_timetable", "yes"),
                help="Each with its start and review dates.",
            ),
            _area(
                "attendance_notes",
                "What is being done about attendance or exclusions",
                required=False,
            ),
        ),
        contribution=Contribution.TEACHER_SECTIONS,
        retired=(
            FieldSpec("attendance_percent", "Attendance this school year (%)", Kind.NUMBER),
            FieldSpec("unauthorised_sessions", "Unauthorised absences (sessions)", Kind.NUMBER),
            FieldSpec("suspension_days", "Days of suspension this school year", Kind.NUMBER),
        ),
    ),
    SectionSpec(
        "additional_needs",
        "Additional educational needs",
        SectionOwner.DESIGNATED_TEACHER,
        (
            FieldSpec(
                "sen_status",
                "Special educational needs",
                Kind.CHOICE,
                choices=tuple(SenStatus.choices),
                carries_forward=True,
            ),
            FieldSpec(
                "ehcp_review_date",
                "Date of the next EHCP annual review",
                Kind.DATE,
                required_if=("sen_status", SenStatus.EHCP),
                carries_forward=True,
            ),
            _area("interventions", "Interventions and support in place", carries_forward=True),
            _area("agencies", "Other agencies involved", required=False, carries_forward=True),
        ),
        contribution=Contribution.TEACHER_SECTIONS,
    ),
    SectionSpec(
        "teacher_comments",
        "Teacher comments",
        SectionOwner.DESIGNATED_TEACHER,
        (
            _area("comments", "Designated teacher's comments"),
            _area("wellbeing", "Wellbeing and relationships in school", required=False),
        ),
        contribution=Contribution.TEACHER_SECTIONS,
    ),
    SectionSpec(
        "pupil_premium",
        "Pupil Premium Plus request",
        SectionOwner.DESIGNATED_TEACHER,
        (
            FieldSpec(
                "pp_requested", "Are you requesting Pupil Premium Plus this term?", Kind.YES_NO
            ),
            FieldSpec(
                "pp_amount",
                "Amount requested (£)",
                Kind.NUMBER,
                minimum=1,
                maximum=10_000,
                required_if=("pp_requested", "yes"),
            ),
            _area("pp_purpose", "What it will pay for", required_if=("pp_requested", "yes")),
            _t("pp_target", "The target it serves", required_if=("pp_requested", "yes")),
            # Spend and impact of the PP+ agreed at the last PEP, reviewed against the targets
            # it funded (listed above the questions and on the PEP's Pupil Premium Plus page):
            # required where PP+ was approved at the last PEP.
            _area(
                "pp_review_spend",
                "How the Pupil Premium Plus agreed at the last PEP was spent",
                required=False,
                required_if_pp_review=True,
                help="Needed where Pupil Premium Plus was agreed at the last PEP.",
                about_last_pep=True,
            ),
            _area(
                "pp_review_impact",
                "Its impact on the targets it funded",
                required=False,
                required_if_pp_review=True,
                help="Say, target by target, what difference it made.",
                about_last_pep=True,
            ),
        ),
        contribution=Contribution.TEACHER_SECTIONS,
    ),
    SectionSpec(
        "care_information",
        "Care information",
        SectionOwner.SOCIAL_WORKER,
        (
            _area("placement", "Placement and who the child lives with", carries_forward=True),
            FieldSpec(
                "placement_stable", "Is the placement stable?", Kind.YES_NO, carries_forward=True
            ),
            _area("contact", "Family time and contact arrangements", carries_forward=True),
            _area("health", "Health, including emotional wellbeing", carries_forward=True),
            FieldSpec(
                "sdq_score",
                "Latest SDQ score",
                Kind.NUMBER,
                minimum=0,
                maximum=40,
                required=False,
                carries_forward=True,
            ),
            _area("changes", "Changes since the last PEP", about_last_pep=True),
            _area("care_plan", "Care plan and permanence plan", carries_forward=True),
        ),
        description="The social worker completes or confirms this every term.",
        contribution=Contribution.CARE_INFORMATION,
    ),
    SectionSpec(
        "child_voice",
        "The child or young person's views",
        SectionOwner.CHILD_VOICE,
        (
            _area("going_well", "What is going well"),
            _area("hard", "What is hard"),
            _area("helps", "What helps me"),
            _area("aspirations", "What I want to do or be"),
            FieldSpec(
                "how_recorded", "How were these views gathered?", Kind.CHOICE, choices=HOW_RECORDED
            ),
            _area(
                "we_did",
                "You said, we did: what was done about their views last time",
                required=False,
                about_last_pep=True,
            ),
        ),
        description="Use the child's own words.",
        contribution=Contribution.CHILD_VIEWS,
    ),
    SectionSpec(
        "carer_contribution",
        "Carer's contribution",
        SectionOwner.CARER,
        (
            _area("home_learning", "Learning at home: reading, homework, activities"),
            _area("achievements", "Achievements to celebrate", required=False),
            _area("concerns", "Anything that worries you", required=False),
        ),
        needed_for_submission=False,
    ),
    SectionSpec(
        "historical_data",
        "Historical data",
        SectionOwner.VIRTUAL_SCHOOL,
        (
            _area(
                "prior_attainment",
                "Prior attainment (EYFS profile, key stage results)",
                carries_forward=True,
            ),
            _area("previous_schools", "Previous schools and dates", carries_forward=True),
        ),
        description="The virtual school fills this in when the school does not have it.",
        needed_for_submission=False,
    ),
)

SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


def sections_for(template: PepTemplate) -> tuple[SectionSpec, ...]:
    return tuple(s for s in SECTIONS if template in s.templates)


def needed_before_meeting(spec: SectionSpec, before_meeting: frozenset[str]) -> bool:
    """Whether the section must be complete before "Ready for meeting", by the authority's
    rule set (PepRules.before_meeting)."""
    return spec.contribution is not None and spec.contribution in before_meeting


def is_a_task(spec: SectionSpec, before_meeting: frozenset[str]) -> bool:
    """A section someone must complete: needed before the meeting or for submission. The
    optional ones (the carer's contribution, historical data) are never anyone's task."""
    return spec.needed_for_submission or needed_before_meeting(spec, before_meeting)


# Where an authority has no rule set yet: the designated teacher's sections, as both seeds say.
DEFAULT_BEFORE_MEETING = frozenset({Contribution.TEACHER_SECTIONS.value})


def field_applies(spec: FieldSpec, answers: dict[str, object]) -> bool:
    """A conditional field counts only when its condition holds; a RECORDS question only
    where the child's term has such records to keep (no key stage: no attainment scale)."""
    if spec.kind == Kind.RECORDS and answers.get(spec.name) == NOT_ASKED:
        return False
    conditions = [c for c in (spec.required_if, spec.asked_if) if c is not None]
    return all(answers.get(other) == value for other, value in conditions)


# --- questions answered by records ------------------------------------------------------------
# A RECORDS question's answer is the state of its records for the PEP's term, worked out by the
# app that keeps them (outcomes registers its reader: peps/records.py) and put beside the typed
# answers (with_records) before the rules below are asked, so "n of m answered", "still to
# answer", "mark complete" and the readiness to meet or submit all come from here.
RECORDED = "recorded"
# Carried forward from last term, or imported from the school's data file: the designated
# teacher confirms or changes it before the section is complete.
TO_CONFIRM = "to_confirm"
# Not asked of this child (too young for a key stage's scale).
NOT_ASKED = "not_asked"
RECORDS_STATES = {
    RECORDED: "Recorded",
    TO_CONFIRM: "Recorded, to confirm or change",
    NOT_ASKED: "Not asked at this age",
}


def with_records(
    section: SectionSpec, answers: dict[str, object], states: dict[str, str]
) -> dict[str, object]:
    """The typed answers with each RECORDS question answered by its records' state ("" when
    none are recorded for the term)."""
    merged = dict(answers)
    for spec in section.fields:
        if spec.kind == Kind.RECORDS:
            merged[spec.name] = states.get(spec.records, "")
    return merged


def to_confirm(
    section: SectionSpec,
    template: PepTemplate,
    answers: dict[str, object],
    *,
    initial: bool = False,
) -> list[FieldSpec]:
    """The RECORDS questions whose records were carried forward or imported and are not yet
    confirmed (`answers` as with_records gives them)."""
    return [
        f
        for f in section.fields_for(template, initial=initial)
        if f.kind == Kind.RECORDS and answers.get(f.name) == TO_CONFIRM
    ]


def contradictions(
    section: SectionSpec,
    template: PepTemplate,
    answers: dict[str, object],
    *,
    initial: bool = False,
) -> list[tuple[FieldSpec, str]]:
    """(question, message) where a "No" contradicts the records: "not suspended this term"
    with a suspension recorded in it (`answers` as with_records gives them)."""
    found = []
    labels = {f.name: f.label for f in section.fields}
    for f in section.fields_for(template, initial=initial):
        condition = f.required_if or f.asked_if
        if f.kind != Kind.RECORDS or condition is None:
            continue
        other, _ = condition
        if answers.get(other) == "no" and answers.get(f.name) in (RECORDED, TO_CONFIRM):
            found.append(
                (
                    f,
                    f"“{labels.get(other, other)}” is answered No, but {f.label[0].lower()}"
                    f"{f.label[1:]} are recorded: change the answer or the records",
                )
            )
    return found


def missing_answers(
    section: SectionSpec,
    template: PepTemplate,
    answers: dict[str, object],
    *,
    initial: bool = False,
    pp_review: bool = False,
) -> list[FieldSpec]:
    """The required questions still unanswered, in the order they are asked. `pp_review`: the
    PEP reviews the Pupil Premium Plus approved at the last one (Pep.reviews_pp_plus)."""
    return [
        f
        for f in section.fields_for(template, initial=initial)
        if (f.required or f.required_if or (pp_review and f.required_if_pp_review))
        and field_applies(f, answers)
        and answers.get(f.name) in (None, "")
    ]


def progress(
    section: SectionSpec,
    template: PepTemplate,
    answers: dict[str, object],
    *,
    initial: bool = False,
) -> tuple[int, int]:
    """(answered, asked): "12 of 15 questions answered"."""
    asked = [f for f in section.fields_for(template, initial=initial) if field_applies(f, answers)]
    answered = [f for f in asked if answers.get(f.name) not in (None, "")]
    return len(answered), len(asked)


# --- checking answers -------------------------------------------------------------------------
# The one place an answer is checked, from its question's definition: section_save and
# section_mark_complete call it, and the section form shows its messages (so a person typing
# and a program calling the service are told the same thing, in the same words).

TEXT_MAX = 200
TEXTAREA_MAX = 5000
DECIMAL_PLACES = 2
YES_NO = (("yes", "Yes"), ("no", "No"))
FIRST_YEAR, LAST_YEAR = 1900, 2100


def choices_of(spec: FieldSpec) -> tuple[tuple[str, str], ...]:
    return YES_NO if spec.kind == Kind.YES_NO else spec.choices


def _number(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def too_long_message(spec: FieldSpec) -> str:
    limit = TEXT_MAX if spec.kind == Kind.TEXT else TEXTAREA_MAX
    return f"“{spec.label}” must be {limit:,} characters or fewer"


def not_text_message(spec: FieldSpec) -> str:
    return f"“{spec.label}” must be text"


def not_a_number_message(spec: FieldSpec) -> str:
    return f"“{spec.label}” must be a number, like 12 or 12.5"


def too_many_decimals_message(spec: FieldSpec) -> str:
    return f"“{spec.label}” must have no more than {DECIMAL_PLACES} decimal places"


def out_of_range_message(spec: FieldSpec) -> str:
    low, high = spec.minimum, spec.maximum
    if low is not None and high is not None:
        return f"“{spec.label}” must be between {_number(low)} and {_number(high)}"
    if low is not None:
        return f"“{spec.label}” must be {_number(low)} or more"
    return f"“{spec.label}” must be {_number(high or 0)} or less"


def not_a_choice_message(spec: FieldSpec) -> str:
    return f"Select one of the answers given for “{spec.label}”"


def not_a_date_message(spec: FieldSpec) -> str:
    return f"“{spec.label}” must be a real date, for example 27 3 2026"


def records_not_typed_message(spec: FieldSpec) -> str:
    return f"“{spec.label}” is recorded in its own records, not typed as an answer"


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_number(spec: FieldSpec, value: object) -> int | float | str:
    """The number an answer states, or the message saying why it is not an acceptable one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return not_a_number_message(spec)
    text = value.strip().replace(",", "") if isinstance(value, str) else repr(value)
    try:
        number = Decimal(text) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return not_a_number_message(spec)
    if not number.is_finite():
        return not_a_number_message(spec)
    if (spec.minimum is not None and number < Decimal(repr(spec.minimum))) or (
        spec.maximum is not None and number > Decimal(repr(spec.maximum))
    ):
        return out_of_range_message(spec)
    try:
        if number != number.quantize(Decimal(1).scaleb(-DECIMAL_PLACES)):
            return too_many_decimals_message(spec)
    except InvalidOperation:
        return not_a_number_message(spec)
    return int(number) if number == number.to_integral_value() else float(number)


def _as_date(spec: FieldSpec, value: object) -> str:
    """The ISO date an answer states; raises ValueError when it is not a real one."""
    if isinstance(value, dt.datetime):
        raise ValueError(value)
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(value)
    return day.isoformat()


def check_answer(spec: FieldSpec, value: object) -> tuple[object, str | None]:
    """(the answer as stored, None) when `value` is an acceptable answer to the question, else
    (value, the message that says what is wrong). An empty answer is always acceptable here:
    whether a question must be answered is asked at completion (missing_answers)."""
    if _empty(value):
        return "", None
    if spec.kind == Kind.RECORDS:
        return value, records_not_typed_message(spec)
    if spec.kind in (Kind.TEXT, Kind.TEXTAREA):
        if not isinstance(value, str):
            return value, not_text_message(spec)
        limit = TEXT_MAX if spec.kind == Kind.TEXT else TEXTAREA_MAX
        return (value, too_long_message(spec)) if len(value) > limit else (value, None)
    if spec.kind in (Kind.CHOICE, Kind.YES_NO):
        allowed = {key for key, _ in choices_of(spec)}
        return (value, None) if value in allowed else (value, not_a_choice_message(spec))
    if spec.kind == Kind.NUMBER:
        number = _as_number(spec, value)
        return (value, number) if isinstance(number, str) else (number, None)
    try:
        return _as_date(spec, value), None
    except (TypeError, ValueError, OverflowError):
        return value, not_a_date_message(spec)


def check_answers(
    section: SectionSpec,
    template: PepTemplate,
    answers: dict[str, object],
    *,
    initial: bool = False,
) -> tuple[dict[str, object], dict[str, str]]:
    """Every answer of a section checked against its question: (the answers as stored, a
    message for each field whose answer is not acceptable). Questions the template does not
    ask are dropped."""
    cleaned: dict[str, object] = {}
    errors: dict[str, str] = {}
    for spec in section.fields_for(template, initial=initial):
        if spec.name not in answers:
            continue
        cleaned[spec.name], message = check_answer(spec, answers[spec.name])
        if message is not None:
            errors[spec.name] = message
    return cleaned, errors


def answered(value: object) -> bool:
    return not _empty(value)
