"""The scales schools use for attainment, key stage by key stage, and the DfE's code lists: the
one home of what an attainment record may hold.

Each subject's values are questions of the PEP's own kind (`peps.sections.FieldSpec`), so they
are checked by the PEP's one checker (`peps.sections.check_answer`) and never by a second one.
"""

from dataclasses import dataclass, field

from django.db import models

from children.school_year import NURSERY, RECEPTION, YearGroup
from peps.sections import FieldSpec, Kind


class KeyStage(models.TextChoices):
    EYFS = "eyfs", "Early years foundation stage"
    KS1 = "ks1", "Key stage 1"
    KS2 = "ks2", "Key stage 2"
    KS3 = "ks3", "Key stage 3"
    KS4 = "ks4", "Key stage 4"
    POST_16 = "post16", "Post-16"


def key_stage_of(year_group: YearGroup) -> KeyStage | None:
    """The key stage a year group is in (nursery and Reception are the EYFS)."""
    number = year_group.number
    if number < NURSERY:
        return None
    if number <= RECEPTION:
        return KeyStage.EYFS
    if number <= 2:
        return KeyStage.KS1
    if number <= 6:
        return KeyStage.KS2
    if number <= 9:
        return KeyStage.KS3
    if number <= 11:
        return KeyStage.KS4
    return KeyStage.POST_16


@dataclass(frozen=True)
class SubjectSpec:
    """One thing recorded at a key stage (an early learning goal, reading, GCSE maths), with the
    questions asked about it. `expected_field` is the value compared with the expected standard,
    and `expected_values` are the answers that meet it (none: no expected standard)."""

    key: str
    label: str
    fields: tuple[FieldSpec, ...]
    expected_field: str = ""
    expected_values: frozenset[str] = field(default_factory=frozenset)

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def _choice(name: str, label: str, choices: tuple[tuple[str, str], ...], **kw: object) -> FieldSpec:
    return FieldSpec(name, label, Kind.CHOICE, choices=choices, required=False, **kw)  # type: ignore[arg-type]


def _number(name: str, label: str, low: float, high: float) -> FieldSpec:
    return FieldSpec(name, label, Kind.NUMBER, minimum=low, maximum=high, required=False)


def _text(name: str, label: str) -> FieldSpec:
    return FieldSpec(name, label, Kind.TEXT, required=False)


# --- EYFS: the 17 early learning goals, the Reception Baseline and the Good Level of Development
ELG_LEVELS = (("emerging", "Emerging"), ("expected", "Expected"))
EARLY_LEARNING_GOALS = (
    ("listening_attention_understanding", "Listening, attention and understanding"),
    ("speaking", "Speaking"),
    ("self_regulation", "Self-regulation"),
    ("managing_self", "Managing self"),
    ("building_relationships", "Building relationships"),
    ("gross_motor_skills", "Gross motor skills"),
    ("fine_motor_skills", "Fine motor skills"),
    ("comprehension", "Comprehension"),
    ("word_reading", "Word reading"),
    ("writing", "Writing"),
    ("number", "Number"),
    ("numerical_patterns", "Numerical patterns"),
    ("past_and_present", "Past and present"),
    ("people_culture_communities", "People, culture and communities"),
    ("natural_world", "The natural world"),
    ("creating_with_materials", "Creating with materials"),
    ("being_imaginative_expressive", "Being imaginative and expressive"),
)
# The Reception Baseline Assessment is scored out of 39.
RBA_MAX = 39
YES_NO_CHOICES = (("yes", "Yes"), ("no", "No"))

EYFS_SUBJECTS = (
    *(
        SubjectSpec(
            f"elg_{key}",
            label,
            (_choice("level", f"{label}: early learning goal", ELG_LEVELS),),
            "level",
            frozenset({"expected"}),
        )
        for key, label in EARLY_LEARNING_GOALS
    ),
    SubjectSpec(
        "rba", "Reception Baseline Assessment", (_number("score", "RBA score", 0, RBA_MAX),)
    ),
    SubjectSpec(
        "gld",
        "Good Level of Development",
        (FieldSpec("achieved", "Good Level of Development", Kind.YES_NO, required=False),),
        "achieved",
        frozenset({"yes"}),
    ),
)

# --- Key stages 1 and 2: teacher assessment against the expected standard --------------------
STANDARDS = (
    ("wts", "Working towards the expected standard"),
    ("exs", "Working at the expected standard"),
    ("gds", "Working at greater depth"),
)
MEETS_STANDARD = frozenset({"exs", "gds"})
PHONICS_MAX = 40
# The phonics screening check's threshold mark has been 32 every year it has been published.
PHONICS_RESULTS = (("met", "Met the expected standard"), ("not_met", "Not met"))
MTC_MAX = 25


def _standard_subject(key: str, label: str) -> SubjectSpec:
    return SubjectSpec(
        key,
        label,
        (
            _choice("working_at", f"{label}: working at", STANDARDS),
            _choice("target", f"{label}: end of year target", STANDARDS),
        ),
        "working_at",
        MEETS_STANDARD,
    )


CORE_PRIMARY = (
    _standard_subject("reading", "Reading"),
    _standard_subject("writing", "Writing"),
    _standard_subject("maths", "Maths"),
    _standard_subject("science", "Science"),
)
KS1_SUBJECTS = (
    *CORE_PRIMARY,
    SubjectSpec(
        "phonics",
        "Phonics screening check",
        (
            _number("mark", "Phonics screening check: mark", 0, PHONICS_MAX),
            _choice("result", "Phonics screening check: result", PHONICS_RESULTS),
        ),
        "result",
        frozenset({"met"}),
    ),
)
KS2_SUBJECTS = (
    *CORE_PRIMARY,
    SubjectSpec(
        "mtc",
        "Multiplication tables check",
        (_number("score", "Multiplication tables check: score", 0, MTC_MAX),),
    ),
)

# --- Key stage 3: the school's own scale, mapped onto age-related expectations ---------------
ARE_BANDS = (
    ("below", "Below age-related expectations"),
    ("at", "At age-related expectations"),
    ("above", "Above age-related expectations"),
)
KS3_SUBJECT_NAMES = (
    ("english", "English"),
    ("maths", "Maths"),
    ("science", "Science"),
    ("history", "History"),
    ("geography", "Geography"),
    ("languages", "Modern foreign languages"),
    ("computing", "Computing"),
)
KS3_SUBJECTS = tuple(
    SubjectSpec(
        key,
        label,
        (
            _text("school_grade", f"{label}: the school's own grade"),
            _choice("band", f"{label}: against age-related expectations", ARE_BANDS),
        ),
        "band",
        frozenset({"at", "above"}),
    )
    for key, label in KS3_SUBJECT_NAMES
)

# --- Key stage 4: GCSE grades 9 to 1 (U ungraded); Attainment 8 and Progress 8 --------------
GCSE_GRADES = (*((str(g), str(g)) for g in range(9, 0, -1)), ("u", "U"))
# Grade 4 is the "standard pass" the DfE reports English and maths against.
STANDARD_PASS = frozenset(str(g) for g in range(4, 10))
GCSE_SUBJECT_NAMES = (
    ("english_language", "English language"),
    ("english_literature", "English literature"),
    ("maths", "Maths"),
    ("combined_science", "Combined science"),
    ("biology", "Biology"),
    ("chemistry", "Chemistry"),
    ("physics", "Physics"),
    ("computer_science", "Computer science"),
    ("geography", "Geography"),
    ("history", "History"),
    ("french", "French"),
    ("spanish", "Spanish"),
    ("german", "German"),
    ("religious_studies", "Religious studies"),
    ("art_and_design", "Art and design"),
    ("design_and_technology", "Design and technology"),
    ("music", "Music"),
    ("drama", "Drama"),
    ("physical_education", "Physical education"),
    ("business", "Business"),
    ("food_preparation", "Food preparation and nutrition"),
    ("other_equivalent", "Another GCSE or equivalent"),
)
KS4_SUBJECTS = (
    *(
        SubjectSpec(
            key,
            label,
            (
                _choice("working_at", f"{label}: working at grade", GCSE_GRADES),
                _choice("predicted", f"{label}: predicted grade", GCSE_GRADES),
                _choice("target", f"{label}: target grade", GCSE_GRADES),
            ),
            "working_at",
            STANDARD_PASS,
        )
        for key, label in GCSE_SUBJECT_NAMES
    ),
    SubjectSpec(
        "headline",
        "Attainment 8 and Progress 8 (when results are in)",
        (
            _number("attainment_8", "Attainment 8", 0, 90),
            _number("progress_8", "Progress 8", -5, 5),
        ),
    ),
)

# --- Post-16: courses, levels, awarding bodies, grades; destination --------------------------
LEVELS = (
    ("entry", "Entry level"),
    ("1", "Level 1"),
    ("2", "Level 2"),
    ("3_plus", "Level 3 or above"),
)
DESTINATIONS = (
    ("education", "Further or higher education"),
    ("apprenticeship", "Apprenticeship"),
    ("employment_with_training", "Employment with training"),
    ("employment", "Employment without training"),
    ("training", "Traineeship or other training"),
    ("neet", "Not in education, employment or training"),
    ("not_known", "Not known yet"),
)
POST_16_COURSES = 4
POST_16_SUBJECTS = (
    *(
        SubjectSpec(
            f"course_{n}",
            f"Course {n}",
            (
                _text("course", f"Course {n}: title"),
                _choice("level", f"Course {n}: level", LEVELS),
                _text("awarding_body", f"Course {n}: awarding body"),
                _text("predicted", f"Course {n}: predicted grade"),
                _text("achieved", f"Course {n}: achieved grade"),
            ),
        )
        for n in range(1, POST_16_COURSES + 1)
    ),
    SubjectSpec(
        "destination",
        "Destination",
        (_choice("destination", "Planned or actual destination", DESTINATIONS),),
    ),
)

SUBJECTS: dict[str, tuple[SubjectSpec, ...]] = {
    KeyStage.EYFS: EYFS_SUBJECTS,
    KeyStage.KS1: KS1_SUBJECTS,
    KeyStage.KS2: KS2_SUBJECTS,
    KeyStage.KS3: KS3_SUBJECTS,
    KeyStage.KS4: KS4_SUBJECTS,
    KeyStage.POST_16: POST_16_SUBJECTS,
}


def subject_spec(key_stage: str, subject: str) -> SubjectSpec | None:
    return next((s for s in SUBJECTS.get(key_stage, ()) if s.key == subject), None)


def meets_expected(spec: SubjectSpec, values: dict[str, object]) -> bool | None:
    """Whether recorded values meet the subject's expected standard; None when the subject has
    none or it is not recorded."""
    if not spec.expected_field:
        return None
    value = values.get(spec.expected_field)
    if value in (None, ""):
        return None
    return value in spec.expected_values


# The expected standard of each key stage, as the dashboard counts it: (subject keys, field,
# values meeting it). Kept here beside the scales so the dashboard's SQL and the child's page
# agree (the selectors build their filters from these).
def expected_rows(key_stage: str) -> tuple[SubjectSpec, ...]:
    return tuple(s for s in SUBJECTS.get(key_stage, ()) if s.expected_field)


# --- the DfE's suspension and permanent exclusion reason codes (school census, 2023 on) ------
class ExclusionReason(models.TextChoices):
    PHYSICAL_ASSAULT_PUPIL = "PP", "Physical assault against a pupil"
    PHYSICAL_ASSAULT_ADULT = "PA", "Physical assault against an adult"
    VERBAL_ABUSE_PUPIL = "VP", "Verbal abuse or threatening behaviour against a pupil"
    VERBAL_ABUSE_ADULT = "VA", "Verbal abuse or threatening behaviour against an adult"
    OFFENSIVE_WEAPON = "OW", "Use or threat of use of an offensive weapon or prohibited item"
    BULLYING = "BU", "Bullying"
    RACIST_ABUSE = "RA", "Racist abuse"
    SEXUAL_ORIENTATION_GENDER = "LG", "Abuse against sexual orientation or gender identity"
    DISABILITY = "DS", "Abuse relating to disability"
    SEXUAL_MISCONDUCT = "SM", "Sexual misconduct"
    DRUG_ALCOHOL = "DA", "Drug and alcohol related"
    DAMAGE = "DM", "Damage"
    THEFT = "TH", "Theft"
    PERSISTENT_DISRUPTION = "PD", "Persistent disruptive behaviour"
    ONLINE = "MT", "Inappropriate use of social media or online technology"
    PUBLIC_HEALTH = "PH", "Wilful and repeated transgression of public health measures"
    OTHER = "OT", "Other"
