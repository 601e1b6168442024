"""A service's refusal about one answer is shown beside that answer (pep_portal.forms.
show_service_errors): read from the source, every key a service names in a ValidationError,
when a view shows that service's errors on a form, is a field of the form, or one its
`service_fields` maps to a field; otherwise the message would sit unlinked at the top."""

import ast
import importlib
import re
from pathlib import Path

from django import forms as django_forms
from django.core.exceptions import ValidationError

from meetings.forms import ArrangeForm
from pep_portal.forms import show_service_errors
from pep_portal.ui import error_links

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", "tests", "node_modules", "bench", "scripts"}
# Views that place a service's errors themselves, each for a reason.
EXPLAINED = {
    # "Check your answers" sends each refusal to the step of the record that asks it.
    ("meetings/views.py", "_check_answers"),
}
# Keys about nothing the form asks, listed at the top on purpose.
NOT_ASKED = {
    # The term is today's, worked out by the page, never asked on the form.
    ("pupil_premium/views.py", "pp_school_funds"): {"term"},
}


def _sources() -> list[Path]:
    return [p for p in ROOT.glob("**/*.py") if not SKIPPED & set(p.relative_to(ROOT).parts)]


def _raised_keys() -> dict[str, tuple[set[str], set[str]]]:
    """{function name: (keys it raises in ValidationError({...}), names it calls)}."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for path in _sources():
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, ast.FunctionDef):
                continue
            keys, calls = found.setdefault(fn.name, (set(), set()))
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                calls.add(name)
                if name == "ValidationError" and node.args and isinstance(node.args[0], ast.Dict):
                    keys |= {k.value for k in node.args[0].keys if isinstance(k, ast.Constant)}
    return found


def _keys_of(name: str, found: dict[str, tuple[set[str], set[str]]], seen: set[str]) -> set[str]:
    # The service's own keys and those of the checks it calls (check_…, _check_…).
    if name in seen or name not in found:
        return set()
    seen.add(name)
    keys, calls = found[name]
    out = set(keys)
    for call in calls:
        if call.lstrip("_").startswith("check"):
            out |= _keys_of(call, found, seen)
    return out


def test_every_service_key_a_view_shows_is_a_field_of_its_form() -> None:
    found = _raised_keys()
    stray = []
    checked = 0
    for path in ROOT.glob("**/views.py"):
        relative = path.relative_to(ROOT)
        if SKIPPED & set(relative.parts):
            continue
        source = path.read_text()
        module = importlib.import_module(".".join(relative.with_suffix("").parts))
        for fn in ast.parse(source).body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            body = ast.get_source_segment(source, fn) or ""
            if "show_service_errors(" not in body and "_show_errors(" not in body:
                continue
            if (str(relative), fn.name) in EXPLAINED:
                continue
            fields: set[str] = set()
            for form_name in set(re.findall(r"\b([A-Z]\w*Form)\(", body)):
                form = getattr(module, form_name, None)
                if form is not None:
                    fields |= set(form.base_fields) | set(getattr(form, "service_fields", {}))
            keys: set[str] = set()
            for service in set(re.findall(r"services\.(\w+)\(", body)):
                keys |= _keys_of(service, found, set())
            checked += bool(keys)
            missing = keys - fields - NOT_ASKED.get((str(relative), fn.name), set())
            if missing:
                stray.append(f"{relative}:{fn.name}: {sorted(missing)}")
    assert checked >= 10  # the scan found the forms it is about
    assert stray == []


def test_a_meetings_missing_time_is_said_beside_its_date() -> None:
    form = ArrangeForm({}, allow_internal=False)
    form.is_valid()
    form._errors = django_forms.utils.ErrorDict()  # as if every box were answered
    show_service_errors(form, ValidationError({"starts_at": "Enter the date and time"}))
    assert form.errors == {"day": ["Enter the date and time"]}
    assert error_links(form) == [("id_day_0", "Enter the date and time")]
