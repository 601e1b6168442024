"""The role lint (`make lint`): a role compared outside the permission engine fails the build."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_role_comparisons.py"


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if path.suffix == ".py":
        # A first-party package is a top-level directory with an __init__.py.
        (root / Path(relative).parts[0] / "__init__.py").touch()


def test_a_role_comparison_outside_the_engine_fails(tmp_path):
    write(tmp_path, "peps/views.py", "def f(user):\n    return user.role == Role.CARER\n")
    write(tmp_path, "children/services.py", 'def g(actor):\n    return actor.role in ("carer",)\n')
    write(tmp_path, "meetings/views.py", "def h(u):\n    return is_virtual_school_staff(u)\n")
    write(
        tmp_path, "quality_assurance/selectors.py", "def i(u):\n    return u.is_vs_administrator\n"
    )
    write(
        tmp_path,
        "templates/nav.html",
        '<p>{% if user.role == "virtual_school_staff" %}QA{% endif %}</p>\n',
    )
    write(tmp_path, "templates/duty.html", "\n{% if user.is_vs_administrator %}x{% endif %}\n")
    result = lint(tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        'children/services.py:2: role comparison: return actor.role in ("carer",)',
        "meetings/views.py:2: role predicate is_virtual_school_staff(): "
        "return is_virtual_school_staff(u)",
        "peps/views.py:2: role comparison: return user.role == Role.CARER",
        "quality_assurance/selectors.py:2: duty flag .is_vs_administrator: "
        "return u.is_vs_administrator",
        "templates/duty.html:2: duty flag: {% if user.is_vs_administrator %}",
        'templates/nav.html:1: role comparison: {% if user.role == "virtual_school_staff" %}',
    ]
    assert "6 role check(s) outside the permission engine" in result.stderr


def test_a_new_app_is_checked_without_being_listed(tmp_path):
    write(tmp_path, "virtual_school_reports/views.py", "def f(u):\n    return u.role != 'carer'\n")
    result = lint(tmp_path)
    assert result.stdout == (
        "virtual_school_reports/views.py:2: role comparison: return u.role != 'carer'\n"
    )


def test_the_engine_and_the_rules_modules_may_compare_roles(tmp_path):
    rule = "def f(user):\n    return user.role == Role.CARER\n"
    write(tmp_path, "pep_portal/accounts/permissions.py", rule)
    write(tmp_path, "peps/rules.py", rule)
    write(tmp_path, "children/migrations/0001_initial.py", rule)
    # Showing a role, or asking the engine, is not deciding by role.
    write(
        tmp_path,
        "templates/home.html",
        '{{ user.role_label }}{% if user|can:"open_children" %}x{% endif %}\n',
    )
    write(
        tmp_path, "peps/views.py", "def g(user):\n    return user_can(user, Action.VIEW_PEP, pep)\n"
    )
    result = lint(tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_the_portal_itself_passes():
    result = lint(SCRIPT.parents[1])
    assert (result.returncode, result.stdout) == (0, "")
