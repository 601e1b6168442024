#!/usr/bin/env python3
"""Fail when code or a template decides something by comparing a user's role.

Every check is an Action asked of the permission engine (pep_portal/accounts/permissions.py:
`user_can`, `scope_queryset`; in templates the `can` filter). Roles are compared only where the
rules are written: the accounts app and each app's `rules.py`. Run by `make lint`
(`python scripts/check_role_comparisons.py [ROOT]`, ROOT defaulting to the repository).

Found in Python (outside those places, migrations and tests):
- a comparison (==, !=, in, not in) with `<anything>.role`, `Role.<NAME>` or a role's value
  ("virtual_school_staff" …);
- a call of the accounts app's role predicates (`is_virtual_school_staff`, `is_people_manager`,
  `sees_whole_authority`) or a read of a virtual school duty flag (`.is_vs_administrator` …).
Found in templates: `role` compared in `{% if %}`/`{% elif %}`, `Role.<NAME>`, a role's value
compared, or a duty flag.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = ["templates"]
# Tests speak of personas by role; scripts are tools, not the portal.
NOT_CHECKED = {"tests", "scripts"}
ROLE_VALUES = {
    "social_worker",
    "designated_teacher",
    "delegated_school_staff",
    "carer",
    "virtual_school_staff",
    "independent_reviewing_officer",
    "authority_administrator",
}
ROLE_PREDICATES = {"is_virtual_school_staff", "is_people_manager", "sees_whole_authority"}
DUTY_FLAGS = {"is_vs_administrator", "is_vs_adviser", "is_vs_quality_assurer"}
# Comparisons of something that is not a user's role, each with its reason (file, source text).
NOT_A_USER_ROLE = {
    ("meetings/models.py", "return self.role in REQUIRED_ROLES"): (
        "an attendee's part in a meeting (AttendeeRole), not a user's role"
    ),
}


def _allowed_python(relative: str) -> bool:
    return (
        relative.startswith("pep_portal/accounts/")
        or relative.endswith("rules.py")
        or "/migrations/" in relative
    )


def _is_role_operand(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        if node.attr == "role":
            return True
        if isinstance(node.value, ast.Name) and node.value.id == "Role":
            return True
    if isinstance(node, ast.Constant) and node.value in ROLE_VALUES:
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_role_operand(e) for e in node.elts)
    return False


def check_python(path: Path, relative: str) -> list[str]:
    source = path.read_text()
    lines = source.splitlines()
    problems = []
    for node in ast.walk(ast.parse(source, filename=relative)):
        what = None
        if isinstance(node, ast.Compare) and any(
            _is_role_operand(operand) for operand in [node.left, *node.comparators]
        ):
            what = "role comparison"
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ROLE_PREDICATES:
                what = f"role predicate {name}()"
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in DUTY_FLAGS
            and isinstance(node.ctx, ast.Load)
        ):
            what = f"duty flag .{node.attr}"
        if what is None:
            continue
        text = lines[node.lineno - 1].strip()
        if (relative, text) in NOT_A_USER_ROLE:
            continue
        problems.append(f"{relative}:{node.lineno}: {what}: {text}")
    return problems


TAG = re.compile(r"{%\s*(?:if|elif)\b(.*?)%}", re.S)
ROLE_VALUE = "|".join(sorted(ROLE_VALUES))
TEMPLATE_PATTERNS = [
    (re.compile(r"\brole\s*(?:==|!=|\bin\b|\bnot\s+in\b)"), "role comparison"),
    (re.compile(r"(?:==|!=)\s*[\"'](?:" + ROLE_VALUE + r")[\"']"), "role comparison"),
    (re.compile(r"\bRole\.[A-Z_]+"), "role comparison"),
    (re.compile(r"\b(?:" + "|".join(sorted(DUTY_FLAGS)) + r")\b"), "duty flag"),
]


def check_template(path: Path, relative: str) -> list[str]:
    source = path.read_text()
    problems = []
    for tag in TAG.finditer(source):
        for pattern, what in TEMPLATE_PATTERNS:
            if pattern.search(tag.group(1)):
                line = source.count("\n", 0, tag.start()) + 1
                problems.append(f"{relative}:{line}: {what}: {tag.group(0).strip()}")
                break
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve() if argv else ROOT
    problems: list[str] = []
    # Every first-party package at the top level (a new app is checked without being listed).
    packages = sorted(
        d for d in root.iterdir() if (d / "__init__.py").is_file() and d.name not in NOT_CHECKED
    )
    for directory in packages:
        for path in sorted(directory.rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if not _allowed_python(relative):
                problems += check_python(path, relative)
    for directory in TEMPLATE_DIRS:
        for path in sorted((root / directory).rglob("*.html")):
            problems += check_template(path, path.relative_to(root).as_posix())
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} role check(s) outside the permission engine: ask "
            "user_can/scope_queryset (templates: the `can` filter) for an Action instead, and "
            "write the rule in the app's rules.py.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
