"""Rule presets taken from the authorities' own process documents (../shared/seeds/).

Each rule says where it came from. Where a document is silent, the preset says so and uses
the statutory default (the Care Planning, Placement and Case Review (England) Regulations 2010
and the DfE's statutory guidance "Promoting the education of looked-after children", 2018), or,
where the law sets no timescale, the portal's default, named as such.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .choices import DayUnit
from .deadlines import STATUTORY_REVIEW_WINDOWS

SEED_MEDWAY = "Medway's “MVS PEP Process 2020-2021” (seed 000)"
SEED_WALSALL = "Walsall's “Personal Education Plan (PEP) process” (seed 004)"
STATUTORY_INITIAL = (
    "statutory default: the PEP is part of the care plan, due within 10 working days of an "
    "emergency placement and ready for the first care plan review at 20 working days"
)
EDUCATION_OUTCOMES_DEFAULT = (
    "{seed} is silent: the DfE's measures, persistent absence under 90 % attendance (missing "
    "10 % or more of sessions) and severe absence under 50 %; the portal's default of 20 days "
    "without a school or setting before the adviser is told."
)
# (code, name, first month, last month): the code is the term's stable key, the name is shown.
TERM_WINDOWS = [(w.code, w.name, w.first_month, w.last_month) for w in STATUTORY_REVIEW_WINDOWS]


@dataclass(frozen=True)
class Preset:
    slug: str
    authority: dict[str, str]
    rules: dict[str, Any]
    windows: list[tuple[str, str, int, int]]
    provenance: dict[str, str] = field(default_factory=dict)
    # What the command should tell the operator to check after creating the authority.
    reminders: tuple[str, ...] = ()


MEDWAY = Preset(
    slug="medway",
    authority={
        "name": "Medway Council",
        "la_code": "887",
        "virtual_school_name": "Medway Virtual School",
        "virtual_school_email": "virtualschool@medway.gov.uk",
    },
    rules={
        "initial_pep_unit": DayUnit.SCHOOL,
        "initial_pep_days": 20,
        "initial_pep_days_emergency": 10,
        "school_change_pep_days": None,
        "school_change_pep_unit": DayUnit.WORKING,
        "early_years_first_pep_days": None,
        "early_years_first_pep_unit": DayUnit.SCHOOL,
        "early_years_age": 3,
        "formal_meetings_per_year": 3,
        "internal_review_needs_expected_progress": True,
        "teacher_sections_days_before": 5,
        "teacher_sections_unit": DayUnit.SCHOOL,
        "social_worker_upload_days_after": 3,
        "social_worker_upload_unit": DayUnit.WORKING,
        "pp_plus_last_accepted_month": 3,
        "pp_plus_last_accepted_day": 22,
        "no_school_place_meeting_hours": 24,
        "teacher_records_meetings": False,
        "ready_needs_teacher_sections": True,
        "ready_needs_care_information": True,
        "ready_needs_child_views": False,
        # Not in the seed: the portal's defaults for reminders, escalation and set-up.
        "reminder_lead_days": 3,
        "escalate_after_days": 5,
        "set_up_days_before_term": 14,
        "pp_plus_reminder_days": 14,
        "pp_plus_decided_by": "virtual_school",
        # The DfE's conditions of grant, the same everywhere: PP+ Reception to Year 11; the
        # Early Years Pupil Premium at 3 and 4 in funded early education; none post-16.
        "pp_plus_first_year_group": 0,
        "pp_plus_last_year_group": 11,
        "early_years_pp_first_age": 3,
        "early_years_pp_last_age": 4,
        # Not in the seed: the portal's default read-only window after a change of school.
        "previous_school_access_days": 20,
        "previous_school_access_unit": DayUnit.SCHOOL,
        # Not in the seed: the DfE's persistent absence (missing 10 % or more of sessions) and
        # severe absence (50 % or more); the portal's default for a child with no setting.
        "persistent_absence_below": Decimal("90.00"),
        "severe_absence_below": Decimal("50.00"),
        "missing_education_alert_days": 20,
    },
    windows=TERM_WINDOWS,
    provenance={
        "initial_pep": f"{SEED_MEDWAY}: within 10 school days of an emergency placement, "
        "20 school days otherwise.",
        "school_change_pep": f"{SEED_MEDWAY} is silent; the law sets no timescale, so no rule.",
        "early_years_first_pep": f"{SEED_MEDWAY} is silent (it covers pre-school to 18); "
        "the law sets no separate timescale, so no rule.",
        "windows": f"{SEED_MEDWAY}: Autumn September to December, Spring January to March, "
        "Summer April to July.",
        "formal_meetings": f"{SEED_MEDWAY}: PEP meetings take place 3 times a year; the social "
        "worker uses the PEP to record attendees, discussion, targets and actions.",
        "teacher_sections": f"{SEED_MEDWAY}: at least 5 days before the meeting. It does not "
        "say which days and the law sets none, so school days, the days teachers work.",
        "social_worker_upload": f"{SEED_MEDWAY}: uploaded within 3 working days of the meeting.",
        "ready_for_meeting": f"{SEED_MEDWAY}: the social worker completes or updates their "
        "sections and the designated teacher theirs (Learning Historical Record, Current "
        "Levels, AEN Needs, Teacher Comments, PP+ request) at least 5 days before the meeting; "
        "the young person's views are taken at the meeting, so they are not needed before it.",
        "pp_plus_cutoff": f"{SEED_MEDWAY}: pupil premium requests before 23 March, because of "
        "the financial year, so the last date accepted is 22 March.",
        "pp_plus_eligibility": f"{SEED_MEDWAY} is silent: the DfE's conditions of grant, Pupil "
        "Premium Plus from Reception to Year 11, the Early Years Pupil Premium at 3 and 4 in "
        "funded early education, and none post-16 (the 16 to 19 bursary instead).",
        "pp_plus_decided_by": f"{SEED_MEDWAY}: requests are sent to the virtual school, "
        "which decides them.",
        "no_school_place_meeting": f"{SEED_MEDWAY}: with no school place, the social worker "
        "arranges a meeting with the virtual school within 24 hours.",
        "education_outcomes": EDUCATION_OUTCOMES_DEFAULT.format(seed=SEED_MEDWAY),
    },
)

WALSALL = Preset(
    slug="walsall",
    authority={
        "name": "Walsall Council",
        "la_code": "335",
        "virtual_school_name": "Walsall Virtual School",
        # The seed gives no address; a placeholder that can never deliver, to be replaced.
        "virtual_school_email": "virtual-school@walsall.invalid",
    },
    rules={
        "initial_pep_unit": DayUnit.SCHOOL,
        "initial_pep_days": 10,
        "initial_pep_days_emergency": 10,
        "school_change_pep_days": None,
        "school_change_pep_unit": DayUnit.WORKING,
        "early_years_first_pep_days": None,
        "early_years_first_pep_unit": DayUnit.SCHOOL,
        "early_years_age": 3,
        "formal_meetings_per_year": 2,
        "internal_review_needs_expected_progress": True,
        "teacher_sections_days_before": 5,
        "teacher_sections_unit": DayUnit.SCHOOL,
        "social_worker_upload_days_after": 3,
        "social_worker_upload_unit": DayUnit.WORKING,
        "pp_plus_last_accepted_month": 3,
        "pp_plus_last_accepted_day": 31,
        "no_school_place_meeting_hours": None,
        "teacher_records_meetings": True,
        # Walsall's process covers children from age 3 (nursery) to 18.
        "youngest_age": 3,
        "ready_needs_teacher_sections": True,
        "ready_needs_care_information": True,
        "ready_needs_child_views": True,
        "reminder_lead_days": 3,
        "escalate_after_days": 5,
        "set_up_days_before_term": 14,
        "pp_plus_reminder_days": 14,
        "pp_plus_decided_by": "virtual_school",
        # The DfE's conditions of grant, the same everywhere: PP+ Reception to Year 11; the
        # Early Years Pupil Premium at 3 and 4 in funded early education; none post-16.
        "pp_plus_first_year_group": 0,
        "pp_plus_last_year_group": 11,
        "early_years_pp_first_age": 3,
        "early_years_pp_last_age": 4,
        # Not in the seed: the portal's default read-only window after a change of school.
        "previous_school_access_days": 20,
        "previous_school_access_unit": DayUnit.SCHOOL,
        # Not in the seed: the DfE's persistent absence (missing 10 % or more of sessions) and
        # severe absence (50 % or more); the portal's default for a child with no setting.
        "persistent_absence_below": Decimal("90.00"),
        "severe_absence_below": Decimal("50.00"),
        "missing_education_alert_days": 20,
    },
    windows=TERM_WINDOWS,
    provenance={
        "initial_pep": f"{SEED_WALSALL}: initial PEP meetings within 10 days for children new "
        "to care, emergency or not. It does not say which days; the portal counts school "
        "days, as Medway's process and the PEP cycle do (a PEP is held when the school is "
        "open). Change the unit here if Walsall means working days.",
        "school_change_pep": f"{SEED_WALSALL}: the old school passes a full ePEP to the next; "
        "no timescale, and the law sets none, so no rule.",
        "early_years_first_pep": f"{SEED_WALSALL} covers 3 to 4 year olds but sets no "
        "separate first PEP; the law sets none, so no rule.",
        "windows": f"{SEED_WALSALL}: three PEPs a year, autumn, spring and summer term. It "
        "gives no months and the law sets none (a review each term), so the portal's terms: "
        "Autumn September to December, Spring January to March, Summer April to July.",
        "formal_meetings": f"{SEED_WALSALL}: two formal PEP meetings a year; the designated "
        "teacher may hold the third internally, only if the child is making expected progress. "
        "Designated teachers lead PEP reviews and record them on the ePEP each term.",
        "teacher_sections": f"{SEED_WALSALL} is silent and the law sets no timescale: the "
        "portal's default, 5 school days before the meeting.",
        "social_worker_upload": f"{SEED_WALSALL} is silent and the law sets no timescale: the "
        "portal's default, 3 working days after the meeting.",
        "ready_for_meeting": f"{SEED_WALSALL}: prior to the PEP meeting, designated teachers "
        "add their sections, social workers add the care information and children share "
        "their opinions.",
        "pp_plus_cutoff": f"{SEED_WALSALL} is silent: the statutory limit, the end of the "
        "financial year (31 March), when unspent pupil premium plus is recovered.",
        "pp_plus_eligibility": f"{SEED_WALSALL} is silent: the DfE's conditions of grant, Pupil "
        "Premium Plus from Reception to Year 11, the Early Years Pupil Premium at 3 and 4 in "
        "funded early education, and none post-16 (the 16 to 19 bursary instead).",
        "pp_plus_decided_by": f"{SEED_WALSALL}: the designated teacher determines how the "
        "Pupil Premium Plus is spent, but the seed does not say that money is devolved, so the "
        "virtual school approves requests. Choose the devolved termly amount here if it is.",
        "no_school_place_meeting": f"{SEED_WALSALL}: with no school place the social worker "
        "writes the PEP with the virtual school; no meeting deadline, and the law sets none.",
        "education_outcomes": EDUCATION_OUTCOMES_DEFAULT.format(seed=SEED_WALSALL),
    },
    reminders=("Set Walsall Virtual School's real e-mail address: the seed does not give it.",),
)

PRESETS: dict[str, Preset] = {p.slug: p for p in (MEDWAY, WALSALL)}
