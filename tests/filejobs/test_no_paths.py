"""Private files are reached through the storage API only (pep_portal/files.py): no `.path()`
of a storage or file, and no use of PRIVATE_MEDIA_ROOT outside the settings, anywhere in the
portal's code; otherwise a second machine, or a bucket, would not see the file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "pep_portal",
    "children",
    "peps",
    "meetings",
    "quality_assurance",
    "pupil_premium",
    "documents",
    "dashboards",
]
A_PATH_CALL = re.compile(r"(?<![\w])(?!os\.|sys\.)[\w\)\]]+\.path\(")
MEDIA_ROOT = re.compile(r"PRIVATE_MEDIA_ROOT")


def sources() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    ]


def test_no_code_asks_a_storage_or_a_file_for_its_path():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sources()
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        # django-environ's env.path() reads a setting; it is not a file's path.
        if A_PATH_CALL.search(line.replace("os.path", "").replace("env.path", ""))
    ]
    assert found == []


def test_only_the_settings_name_the_local_files_folder():
    found = {
        str(path.relative_to(ROOT))
        for path in sources()
        if MEDIA_ROOT.search(path.read_text()) and path.name != "settings.py"
    }
    assert found == set()


def test_the_checks_would_notice_the_old_code():
    """The patterns find what the storage API replaced (a check that cannot fail is none)."""
    old = 'return Path(private_storage().path(f"{DIRECTORY}/{job_id}"))'
    assert A_PATH_CALL.search(old)
    assert MEDIA_ROOT.search("media = Path(settings.PRIVATE_MEDIA_ROOT)")
