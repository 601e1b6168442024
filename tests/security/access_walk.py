"""The access walk: every URL pattern the resolver knows, for every persona (and nobody signed
in), against objects in Northam's care and in Southam's, by GET and by POST with a valid CSRF
token, checked against a table written by hand of who may do what.

It fails when
- a URL pattern is missing from the table (a new view cannot escape the walk);
- someone refused gets anything but 403, 404 or 405 (or, signed out, the sign-in page);
- a refused POST writes anything to the database (counted by PostgreSQL per transaction);
- any response shows a child's name to someone who may not see that child, whatever the page;
- an HTML page comes without the strict Content-Security-Policy;
- someone the table allows is refused (the table and the code disagree), or anything is a 500.

The walk is one set of cases, run in parts by who asks (WALKERS): each part is its own test
file (test_access_walk*.py), so `--dist loadfile` hands the parts to different workers. Every
case belongs to exactly one part (test_access_walk.py checks that), and each case's outcome
depends only on its own persona's requests, so the parts together make the same checks as one
walk. The figures (patterns, cases, leaks) are printed at the end of each part.
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONA_NAMES

from . import world

ANON = "anonymous"
SW, USW, DT, DEL, OT, CAR, VS, IRO, AA, OVS, OSW = PERSONA_NAMES
EVERYONE = frozenset(PERSONA_NAMES)
CARE = frozenset({SW, DT, DEL, CAR, VS, IRO})
NOBODY: frozenset[str] = frozenset()
PUBLIC = "public"  # answered to anyone, signed in or not

# Who may see each side's child at all: anyone else must never see its name on any page.
VIEWERS = {"in": CARE, "out": frozenset({OVS, OSW})}


@dataclass(frozen=True)
class Rule:
    """kind: what the URL's arguments name. get/post: who may, for Northam's object; out_get,
    out_post: who may, for Southam's (None: derived, Southam's virtual school staff and
    social worker standing where Northam's do)."""

    kind: str
    get: frozenset[str] | str
    post: frozenset[str] | str
    out_get: frozenset[str] | None = None
    out_post: frozenset[str] | None = None


def R(kind: str, get, post=NOBODY, out_get=None, out_post=None) -> Rule:  # type: ignore[no-untyped-def]
    as_set = lambda v: v if isinstance(v, str) else frozenset(v)  # noqa: E731
    return Rule(
        kind,
        as_set(get),
        as_set(post),
        None if out_get is None else frozenset(out_get),
        None if out_post is None else frozenset(out_post),
    )


# Written by hand from the product's rules (docs/adr/0001-permissions.md, README), not from the
# code. "none" kinds name no object. Southam's side applies to kinds that name an object.
TABLE: dict[str, Rule] = {
    "home": R("none", EVERYONE),
    "login": R("none", PUBLIC, PUBLIC),
    "logout": R("none", NOBODY, EVERYONE),
    "password_reset": R("none", PUBLIC, PUBLIC),
    "password_reset_done": R("none", PUBLIC),
    "password_reset_confirm": R("reset", PUBLIC, PUBLIC),
    "password_reset_complete": R("none", PUBLIC),
    # The legal and help pages: anyone, signed in or not (GET only).
    "accessibility": R("none", PUBLIC),
    "privacy": R("none", PUBLIC),
    "cookies": R("none", PUBLIC),
    "help": R("none", PUBLIC),
    "password_change": R("none", EVERYONE, EVERYONE),
    "password_change_done": R("none", EVERYONE),
    "keep_alive": R("none", NOBODY, EVERYONE),
    # The session timer's question: answered to anyone ("0 seconds" signed out), GET only.
    "session_time_left": R("none", PUBLIC),
    # People: colleagues see each other; a carer is seen only by those sharing a child.
    "people_list": R("none", EVERYONE),
    "person_invite": R("none", {AA, DT}, {AA, DT}),
    # A carer sees only their own account here (the child's page names their team).
    "person_detail": R("person", {SW, USW, VS, IRO, AA}, out_get={OVS, OSW}),
    "person_set_active": R("person", NOBODY, {AA}, out_post=NOBODY),
    "person_invitation_resend": R("person", NOBODY, {AA}, out_post=NOBODY),
    "teacher_list": R("none", {VS, AA}),
    "teacher_approvals": R("teacher", {DT, VS, AA}, out_get={OT, AA}),
    "teacher_approve": R("teacher", NOBODY, {AA}, out_post={AA}),
    "teacher_approval_withdraw": R("teacher", NOBODY, {AA}, out_post=NOBODY),
    # Children: the care team reads; the virtual school changes; the teacher delegates.
    "child_list": R("none", EVERYONE),
    "child_register": R("none", {VS}, {VS}),
    "child_detail": R("child", CARE),
    "child_edit": R("child", {VS}, {VS}),
    "placement_change": R("child", {VS}, {VS}),
    "school_move": R("child", {VS}, {VS}),
    "care_leave": R("child", {VS}, {VS}),
    "care_team_allocate": R("child", {VS}, {VS}),
    "delegation_grant": R("child", {DT}, {DT}, out_get=NOBODY, out_post=NOBODY),
    "delegation_revoke": R("delegation", NOBODY, {DT}, out_post=NOBODY),
    "child_audit": R("child", NOBODY),  # virtual school administrators only
    # Settings are shared by every authority (as GIAS's schools are): any virtual school.
    "setting_list": R("none", {VS}),
    "setting_add": R("none", {VS}, {VS}),
    "setting_edit": R("school", {VS, OVS}, {VS, OVS}, out_get={VS, OVS}, out_post={VS, OVS}),
    # The wider cohorts: the virtual school's own authority's records only.
    "advice_list": R("none", {VS}),
    "advice_add": R("none", {VS}, {VS}),
    # No such request: tests/children/test_wider_cohorts.py walks a real one.
    "advice_detail": R("none", NOBODY, NOBODY),
    "social_worker_counts": R("none", {VS}, {VS}),
    # Correcting a placement (or time in care) an import recorded: whoever may change the child.
    "imported_record_correct": R("child", {VS}, {VS}),
    # The roll: virtual school administrators only (none of the personas) import the case
    # system's extract; an upload is its authority's alone (tests/roll/test_upload_page.py).
    "roll_upload": R("none", NOBODY, NOBODY),
    "roll_preview": R("job", NOBODY, NOBODY),
    # PEPs: inherited from the child, narrowed by role.
    "pep_detail": R("pep", CARE),
    "pep_signed_off": R("pep", CARE),
    "section_edit": R("section", {SW}, {SW}),
    "section_autosave": R("section", NOBODY, {SW}),
    "section_complete": R("section", NOBODY, {SW}),
    "pep_mark_ready": R("pep", NOBODY, {SW, DT, DEL}, out_post={OSW}),
    "pep_submit": R("pep", {SW}, {SW}),  # GET: check before submitting
    "attachment_upload": R("pep", NOBODY, {SW, DT, DEL, CAR, VS}),
    "attachment_download": R("attachment", CARE),
    "pep_set_up": R("child", {VS}, {VS}),
    "pep_pdf": R("pep", CARE),
    "pep_pdf_bulk": R("none", {VS}, {VS}),
    "pep_pdf_bulk_job": R("job", NOBODY),
    "pep_pdf_bulk_progress": R("job", NOBODY),
    "pep_pdf_bulk_download": R("job", NOBODY),
    # Meetings.
    "meeting_calendar": R("none", EVERYONE),
    "meeting_detail": R("meeting", CARE),
    "meeting_record": R("meeting", {SW}, {SW}),
    "meeting_record_step": R("meeting", {SW}, {SW}),
    "meeting_cancel": R("meeting", NOBODY, {SW, DT, VS}),
    "meeting_arrange": R("pep", {SW, DT, VS}, {SW, DT, VS}),
    "target_tracker": R("child", CARE),
    # Education outcomes: recorded by the child's school and the virtual school.
    "outcomes_attendance": R("child", {DT, DEL, VS}, {DT, DEL, VS}),
    "outcomes_attainment": R("child", {DT, DEL, VS}, {DT, DEL, VS}),
    "outcomes_attainment_confirm": R("child", NOBODY, {DT, DEL, VS}),
    "outcomes_exclusion": R("child", {DT, DEL, VS}, {DT, DEL, VS}),
    "outcomes_part_time_add": R("child", {DT, DEL, VS}, {DT, DEL, VS}),
    "outcomes_part_time_edit": R("part_time", {DT, DEL, VS}, {DT, DEL, VS}),
    "outcomes_missing_add": R("child", {DT, DEL, VS}, {DT, DEL, VS}),
    "outcomes_missing_edit": R("spell", {DT, DEL, VS}, {DT, DEL, VS}),
    "mis_upload": R("none", {VS}, {VS}),
    "mis_preview": R("none", NOBODY, NOBODY),  # someone's own upload only
    "outcomes_dashboard": R("none", {VS}),
    "outcomes_dashboard_csv": R("none", {VS}),
    "outcomes_dashboard_xlsx": R("none", {VS}),
    # Quality assurance: the virtual school.
    "qa_queue": R("none", {VS}),
    "qa_review": R("pep", {VS}, {VS}),
    "qa_training": R("none", {VS}),
    "qa_training_resolve": R("training_need", NOBODY, {VS}),
    "qa_moderation": R("none", {VS}, {VS}),
    "qa_moderate": R("pep", {VS}, {VS}),
    "vs_dashboard": R("none", {VS}),
    # The virtual school's lists of PEPs by kind of work waiting (linked from its home).
    "work_list": R("none", {VS}),
    "vs_dashboard_csv": R("none", {VS}),
    # Pupil Premium Plus: the school asks, the virtual school decides.
    "pp_request_list": R("none", {VS}),
    "pp_request_decide": R("pp_request", {VS}, {VS}),
    # A view of the request the PEP's PP+ section raised: nothing is posted to it (405).
    "pp_request_raise": R("pep", {SW, DT, DEL}),
    "pp_totals": R("none", {VS}),
    "pp_totals_schools": R("none", {VS}),
    "pp_export": R("none", {VS}),
    "pp_allocations": R("none", NOBODY),  # virtual school administrators only
    "pp_school_funds": R("none", NOBODY),  # virtual school administrators only
    # Notifications: each person's own.
    "notification_list": R("none", EVERYONE),
    "notification_read": R("none", NOBODY, EVERYONE),
    "notification_email_preference": R("none", NOBODY, EVERYONE),
    # Term calendars and rules: virtual school staff read, administrators change.
    "calendar_home": R("none", {VS, AA}),
    "calendar_upload": R("none", {AA}, {AA}),
    "calendar_rules": R("none", {VS, AA}),
    "calendar_rules_edit": R("none", {AA}, {AA}),
    "calendar_deadline_check": R("none", {VS, AA}),
    "calendar_year": R("year", {VS, AA}),
    "calendar_period_add": R("year", {AA}, {AA}),
    "calendar_export": R("year", {VS, AA}),
    "calendar_school_year": R("school", {VS, AA}),
    "calendar_school_period_add": R("school", {AA}, {AA}, out_get=NOBODY, out_post=NOBODY),
    "calendar_school_export": R("school", {VS, AA}),
    "calendar_period_edit": R("period", {AA}, {AA}, out_get=NOBODY, out_post=NOBODY),
    "calendar_period_delete": R("period", NOBODY, {AA}, out_post=NOBODY),
    # The audit log: those who manage the authority's accounts.
    "audit_search": R("none", {AA}),
    "audit_export": R("none", {AA}),
    # Subject access: virtual school administrators only (none of the personas); a job is its
    # asker's alone (tests/security/test_subject_access.py).
    "subject_access_start": R("child", NOBODY, NOBODY),
    "subject_access_job": R("job", NOBODY),
    "subject_access_progress": R("job", NOBODY),
    "subject_access_download": R("job", NOBODY),
    # Sign-in security (pep_portal/security): each signed-in person manages their own second
    # factor; single sign-on is reached before signing in; an unknown provider, sensitive action
    # or job is refused to everyone.
    "second_factor_manage": R("none", EVERYONE, EVERYONE),
    "second_factor_verify": R("none", EVERYONE, EVERYONE),
    "second_factor_set_up": R("none", EVERYONE, EVERYONE),
    "second_factor_backup_codes": R("none", EVERYONE, EVERYONE),
    "second_factor_new_backup_codes": R("none", EVERYONE, EVERYONE),
    # A key that does not exist (or is someone else's) is refused to all.
    "second_factor_key_remove": R("none", NOBODY, NOBODY),
    "confirm_identity": R("none", EVERYONE, EVERYONE),
    # Each signed-in person changes their own e-mail address (after confirming who they are);
    # the link from the new address works only for the account it was sent for.
    "email_change": R("none", EVERYONE, EVERYONE),
    "email_change_confirm": R("reset", EVERYONE, EVERYONE),
    "sso_choose": R("none", PUBLIC, PUBLIC),
    "sso_start": R("none", NOBODY, NOBODY),
    "sso_callback": R("none", PUBLIC, PUBLIC),
    # The refusal page is for someone the provider signed in but the portal does not know.
    "sso_refused": R("none", {ANON}, {ANON}),
    "person_second_factor_reset": R("person", {AA}, {AA}, out_get=NOBODY, out_post=NOBODY),
    # The virtual school head alone (none of the personas) reviews and undoes sensitive actions.
    "sensitive_actions": R("none", NOBODY),
    "sensitive_action_undo": R("none", NOBODY, NOBODY),
    # Adding a security key needs a recent password and code: each persona here has just signed
    # in with both (tests/second_factor.py), so each may add their own (the ceremony's junk
    # answer is a 400). A stale session is refused: tests/security/test_webauthn_rules.py.
    "otp_webauthn:credential-registration-begin": R("none", NOBODY, EVERYONE),
    "otp_webauthn:credential-registration-complete": R("none", NOBODY, EVERYONE),
    "otp_webauthn:credential-authentication-begin": R("none", NOBODY, PUBLIC),
    "otp_webauthn:credential-authentication-complete": R("none", NOBODY, PUBLIC),
    "otp_webauthn:js-i18n-catalog": R("none", PUBLIC),
    # Probes for the load balancer and orchestrator.
    "healthz": R("none", PUBLIC),
    "readyz": R("none", PUBLIC),
}
# Django's admin is the operators' tool, behind its own staff check and tested there.
NOT_WALKED = {"admin/"}

REFUSED = {403, 404, 405}
# Written by a request on purpose whoever asks: sessions, the sign-in log, the audit log.
UNCOUNTED_TABLES = ("django_session", "audit_auditevent", "axes_accessattempt", "axes_accesslog")
CSRF = "a" * 32  # an unmasked secret is also a valid token (django.middleware.csrf)


def url_patterns(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if route not in NOT_WALKED:
                yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield namespace + (entry.name or ""), prefix + str(entry.pattern)


def _writes() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables WHERE NOT (relname = ANY(%s))",
            [list(UNCOUNTED_TABLES)],
        )
        return int(cursor.fetchone()[0])


def _kwargs(kind: str, route: str, side: world.Side | None) -> dict[str, object] | None:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if side is None:
        values: dict[str, object] = {
            "year": 2026,
            "uidb64": "MQ",
            "token": "set-password",
            "job_id": "0" * 32,
            "pk": 999_999,  # a provider or sensitive action that does not exist
            "kind": "no_meeting",  # a kind of work (the virtual school's work lists)
        }
    else:
        objects = {
            "child": side.child,
            "pep": side.pep,
            "section": side.pep,
            "meeting": side.meeting,
            "attachment": side.pep,
            "pp_request": side.pp_request,
            "person": side.person,
            "teacher": side.teacher,
            "delegation": side.child,
            "training_need": side.training_need,
            "period": side.period,
            "school": side.school,
            "part_time": side.part_time,
            "spell": side.spell,
            "year": None,
        }
        obj = objects[kind]
        values = {
            "pk": getattr(obj, "pk", None),
            "child_pk": side.child.pk,
            "pep_pk": side.pep.pk,
            "attachment_pk": side.attachment.pk,
            "key": "care_information",
            "delegation_pk": side.delegation.pk if side.delegation else 999_999,
            "urn": side.school.urn,
            "year": 2026,
            "step": "discussion",  # a step of the meeting record
            "term": "autumn",
            # The child's placement (imported_record_correct).
            "kind": "placement",
            "record_pk": side.child.placements.order_by("pk").first().pk,
        }
    return {name: values[name] for name in names}


# Pages that name no object answer by role, each for the asker's own authority or school: the
# other authority's and the other school's people stand where Northam's do.
SAME_ROLE = {SW: {USW, OSW}, DT: {OT}, VS: {OVS}}


def _allowed(rule: Rule, method: str, side_name: str) -> frozenset[str] | str:
    allowed = rule.get if method == "GET" else rule.post
    if allowed == PUBLIC:
        return allowed
    if side_name == "none":
        return allowed.union(*(SAME_ROLE.get(p, set()) for p in allowed))
    if side_name == "out":
        explicit = rule.out_get if method == "GET" else rule.out_post
        if explicit is not None:
            return explicit
        derived = set()
        if VS in allowed:
            derived.add(OVS)
        if SW in allowed:
            derived.add(OSW)
        return frozenset(derived)
    return allowed


def _session_key(client: Client) -> str | None:
    # The cookie's value: a response that only re-sets the same session (a new expiry date)
    # keeps the client and its sign-in; a new key or none means signed out or rotated.
    morsel = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return morsel.value if morsel is not None else None


def _as_signed_in(client: Client) -> None:
    """Back to the cookies a fresh sign-in has (the session, the CSRF secret), so the next case
    starts as if with a new client: the session's row was rolled back with the request, and a
    message or a rotated CSRF cookie a response set is dropped."""
    for name in list(client.cookies):
        if name not in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            del client.cookies[name]
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    if user is not None:
        client.force_login(user)
    return client


def _problems(persona: str, may: bool, response, wrote: int, sides) -> list[str]:  # type: ignore[no-untyped-def]
    status = response.status_code
    text = "" if response.streaming else response.content.decode("utf-8", "replace")
    problems = []
    if status >= 500:
        problems.append(f"server error {status}")
    for side_key, viewers in VIEWERS.items():
        if persona not in viewers:
            shown = [m for m in sides[side_key].markers if m in text]
            if shown:
                problems.append(f"shows {side_key} child's name {shown}")
    if response.get("Content-Type", "").startswith("text/html") and text:
        # Every HTML page under the strict policy: no inline script, nothing from elsewhere.
        policy = response.get("Content-Security-Policy", "")
        script = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
        if "default-src 'self'" not in policy or "'unsafe-inline'" in script:
            problems.append(f"HTML without the strict CSP: {policy!r}")
    if not may:
        signed_out = (
            persona == ANON and status == 302 and "/sign-in/" in (response.get("Location") or "")
        )
        if status not in REFUSED and not signed_out:
            problems.append(f"not refused: {status}")
        if wrote:
            problems.append(f"refused, but wrote {wrote} rows")
    return problems


# The walk's parts, by who asks: each a test file of its own (test_access_walk*.py), of about
# the same length (each persona's walk takes about as long; nobody signed in's a third of
# that). Together they are everyone, once each (checked in test_access_walk.py).
WALKERS: dict[str, tuple[str, ...]] = {
    "social workers and the school": (SW, USW, DT, DEL),
    "another school, the carer, the virtual school, the reviewing officer": (OT, CAR, VS, IRO),
    "the administrator, Southam's staff, nobody signed in": (AA, OVS, OSW, ANON),
}


def everyone_who_asks() -> list[str]:
    return [*PERSONA_NAMES, ANON]


def sides_for(personas, pep_setting) -> dict[str, world.Side]:  # type: ignore[no-untyped-def]
    return {"in": world.northam(personas, pep_setting), "out": world.southam(personas)}


def walk(part: str, personas, sides, record_property) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Walk every URL pattern for the part's personas; assert no leak and no disagreement."""
    walkers = WALKERS[part]
    patterns = list(url_patterns())
    users = {name: getattr(personas, name) for name in PERSONA_NAMES}
    cases = 0
    leaks: list[str] = []
    disagreements: list[str] = []
    clients = {persona: _client(users.get(persona)) for persona in walkers}
    for name, route in patterns:
        rule = TABLE[name]
        side_names = ["none"] if rule.kind in ("none", "reset", "job", "year") else ["in", "out"]
        for side_name in side_names:
            side = sides.get(side_name)
            url = reverse(name, kwargs=_kwargs(rule.kind, route, side))
            for persona in walkers:
                for method in ("GET", "POST"):
                    cases += 1
                    allowed = _allowed(rule, method, side_name)
                    may = allowed == PUBLIC or persona in allowed
                    where = f"{method} {url} ({name}, {side_name}) as {persona}"
                    client = clients[persona]
                    session = _session_key(client)
                    # Each request in a savepoint rolled back after it: what one POST changes
                    # never changes what the next case sees.
                    with transaction.atomic():
                        before = _writes()
                        if method == "GET":
                            response = client.get(url)
                        else:
                            response = client.post(
                                url, {"csrfmiddlewaretoken": CSRF}, HTTP_X_CSRFTOKEN=CSRF
                            )
                        wrote = _writes() - before
                        transaction.set_rollback(True)
                    if _session_key(client) != session:
                        # Signed out, or the session's key rotated (its new row was rolled back
                        # with the request): a fresh sign-in for the next case.
                        clients[persona] = _client(users.get(persona))
                    else:
                        _as_signed_in(client)
                    problems = _problems(persona, may, response, wrote, sides)
                    if problems:
                        leaks.append(f"{where}: {'; '.join(problems)}")
                    elif may and persona != ANON and response.status_code in (403, 404):
                        disagreements.append(f"{where}: {response.status_code} though allowed")
    figures = {
        "patterns": len(patterns),
        "cases": cases,
        "leaks": len(leaks),
        "disagreements": len(disagreements),
    }
    record_property("access_walk", figures)
    print(f"\nAccess walk ({part}): {figures}")
    report = os.environ.get("ACCESS_WALK_REPORT")
    if report:
        with Path(report).open("a") as handle:
            handle.write("\n".join([f"{part}: {figures}", *leaks, *disagreements]) + "\n")
    assert not leaks, "\n".join(leaks)
    assert not disagreements, "\n".join(disagreements)
    return figures
