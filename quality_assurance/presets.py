"""The rating frameworks the portal ships with. An authority picks one and may edit it."""

from dataclasses import dataclass

from .models import Scale

# What the virtual school checks in every PEP (from PRODUCT.md's QA practice in the field).
DEFAULT_CRITERIA = (
    "The child's voice is present, in their own words",
    "Attendance and attainment are current",
    "Targets are SMART and last term's targets were reviewed",
    "Pupil Premium Plus is linked to targets",
    "Care information is updated this term",
    "All required attendees were present, or absences explained",
)


@dataclass(frozen=True)
class FrameworkPreset:
    name: str
    scale: str
    blocks_sign_off_at: str
    training_at: str
    one_level_allowance: int | None = None


PRESETS = {
    "good_ri_inadequate": FrameworkPreset(
        "good_ri_inadequate", Scale.GOOD_RI_INADEQUATE, "inadequate", "requires_improvement"
    ),
    "rag": FrameworkPreset("rag", Scale.RAG, "red", "amber"),
    # All criteria Gold but one Green gives Gold: one criterion may sit one level below.
    "ggar": FrameworkPreset("ggar", Scale.GGAR, "red", "amber", one_level_allowance=1),
}
