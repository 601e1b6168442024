"""The free-text attainment and typed attendance answers, replaced by structured records
(peps/sections.py, SectionSpec.retired), move from each section's answers to its
`previously_recorded`, where they are shown read-only: nothing is lost, and going back puts
them back. Signed-off snapshots are left exactly as they were signed (their pages read the old
answers from the retired questions' definitions). Drafts keep whatever was typed in them."""

from django.db import migrations

# Written out here, not imported: a migration must keep meaning what it meant when written.
RETIRED = {
    "current_attainment": (
        "communication_and_language",
        "personal_social_emotional",
        "physical_development",
        "literacy",
        "mathematics",
        "understanding_the_world",
        "expressive_arts_and_design",
        "english_current",
        "english_target",
        "maths_current",
        "maths_target",
        "science_current",
        "other_subjects",
        "course_and_provider",
        "qualifications",
        "destination",
    ),
    "attendance": ("attendance_percent", "unauthorised_sessions", "suspension_days"),
}


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    PepSection = apps.get_model("peps", "PepSection")
    for key, names in RETIRED.items():
        for section in PepSection.objects.filter(key=key).iterator(chunk_size=2000):
            answers = dict(section.answers or {})
            moved = {
                name: answers.pop(name)
                for name in names
                if name in answers and answers[name] not in (None, "")
            }
            for name in names:  # empty answers to questions no longer asked: nothing to keep
                answers.pop(name, None)
            carried = [n for n in (section.carried_forward or []) if n not in names]
            if answers == section.answers and not moved and carried == section.carried_forward:
                continue
            section.previously_recorded = {**(section.previously_recorded or {}), **moved}
            section.answers = answers
            section.carried_forward = carried
            section.save(update_fields=["answers", "previously_recorded", "carried_forward"])


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    PepSection = apps.get_model("peps", "PepSection")
    for section in PepSection.objects.filter(key__in=list(RETIRED)).iterator(chunk_size=2000):
        if not section.previously_recorded:
            continue
        section.answers = {**section.previously_recorded, **(section.answers or {})}
        section.previously_recorded = {}
        section.save(update_fields=["answers", "previously_recorded"])


class Migration(migrations.Migration):
    dependencies = [("peps", "0006_section_previously_recorded")]

    operations = [migrations.RunPython(forwards, backwards)]
