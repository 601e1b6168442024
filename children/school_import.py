"""Schools from a Get Information About Schools (GIAS) establishment download.

`parse_gias_csv` is pure: bytes in, rows and errors out, so it is tested without a database and a
web upload could reuse it. `import_schools` writes the rows in one transaction. Callers import
nothing unless the parse found no errors at all, so a file is never half imported.
"""

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pep_portal.text import decode_upload

from .models import School, SchoolType, SettingKind

# The national download of every establishment, open and closed, is some 52,000 rows of 135
# columns: about 60-70 MB. The limits leave room for that and refuse anything far bigger.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000
# URNs are six digits in practice; a smaller or larger number is a typo or not a URN at all.
URN_MIN, URN_MAX = 100_000, 999_999

URN = "URN"
NAME = "EstablishmentName"
TYPE = "TypeOfEstablishment (name)"
TYPE_GROUP = "EstablishmentTypeGroup (name)"
STATUS = "EstablishmentStatus (name)"
PHASE = "PhaseOfEducation (name)"
# School fields copied from a column of the same meaning, after stripping surrounding spaces.
TEXT_COLUMNS = {
    "la_code": "LA (code)",
    "la_name": "LA (name)",
    "phase": PHASE,
    "street": "Street",
    "locality": "Locality",
    "town": "Town",
    "postcode": "Postcode",
}
# Fields that hold "whatever the file says", in the order they are compared and reported.
OPTIONAL_FIELDS = (*TEXT_COLUMNS, "email", "is_open")

# One CSV record by column name, as csv.DictReader gives it.
_Record = dict[str | None, Any]

_GIAS_NOT_APPLICABLE = "not applicable"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_URN_DIGITS = re.compile(r"[0-9]+")

# Every GIAS establishment type, by name as the download spells it (compared without case).
# Voluntary aided and controlled schools are mostly church schools, but funding and governance
# are what the portal needs, so they are maintained schools; no GIAS type maps to "faith".
_TYPES: dict[str, SchoolType] = {
    "community school": SchoolType.MAINTAINED,
    "voluntary aided school": SchoolType.MAINTAINED,
    "voluntary controlled school": SchoolType.MAINTAINED,
    "foundation school": SchoolType.MAINTAINED,
    "la nursery school": SchoolType.NURSERY,
    "local authority nursery school": SchoolType.NURSERY,
    "children's centre": SchoolType.NURSERY,
    "children's centre linked site": SchoolType.NURSERY,
    "academy converter": SchoolType.ACADEMY,
    "academy sponsor led": SchoolType.ACADEMY,
    # The last few city technology colleges are state funded and run apart from the local
    # authority, as academies are; GIAS files them under independent schools only by history.
    "city technology college": SchoolType.ACADEMY,
    "free schools": SchoolType.FREE,
    "university technical college": SchoolType.FREE,
    "studio schools": SchoolType.FREE,
    # A special school is a special school whoever runs it: what matters for a child's PEP is
    # the provision, so special academies and free schools are "special" too.
    "community special school": SchoolType.SPECIAL,
    "foundation special school": SchoolType.SPECIAL,
    "non-maintained special school": SchoolType.SPECIAL,
    "academy special converter": SchoolType.SPECIAL,
    "academy special sponsor led": SchoolType.SPECIAL,
    "free schools special": SchoolType.SPECIAL,
    "special post 16 institution": SchoolType.SPECIAL,
    "other independent school": SchoolType.INDEPENDENT,
    "other independent special school": SchoolType.INDEPENDENT,
    "british schools overseas": SchoolType.INDEPENDENT,
    "online provider": SchoolType.INDEPENDENT,
    "pupil referral unit": SchoolType.PUPIL_REFERRAL_UNIT,
    "academy alternative provision converter": SchoolType.ALTERNATIVE_PROVISION,
    "academy alternative provision sponsor led": SchoolType.ALTERNATIVE_PROVISION,
    "free schools alternative provision": SchoolType.ALTERNATIVE_PROVISION,
    # Education in a secure children's home or secure school is provision outside mainstream.
    "secure units": SchoolType.ALTERNATIVE_PROVISION,
    "academy secure 16 to 19": SchoolType.ALTERNATIVE_PROVISION,
    "further education": SchoolType.POST_16,
    "sixth form centres": SchoolType.POST_16,
    "academy 16-19 converter": SchoolType.POST_16,
    "academy 16 to 19 sponsor led": SchoolType.POST_16,
    "free schools 16 to 19": SchoolType.POST_16,
    "higher education institutions": SchoolType.POST_16,
}
# A type GIAS adds later is placed by its group, which is coarser but seldom wrong.
_TYPE_GROUPS: dict[str, SchoolType] = {
    "la maintained schools": SchoolType.MAINTAINED,
    "local authority maintained schools": SchoolType.MAINTAINED,
    "academies": SchoolType.ACADEMY,
    "free schools": SchoolType.FREE,
    "special schools": SchoolType.SPECIAL,
    "independent schools": SchoolType.INDEPENDENT,
    "colleges": SchoolType.POST_16,
    "universities": SchoolType.POST_16,
    "children's centres": SchoolType.NURSERY,
    "online provider": SchoolType.INDEPENDENT,
}
# Establishments in the national download that are not schools a PEP could name, or whose
# kind no SchoolType describes. They are left out and counted, rather than reported as errors,
# because an error would stop every import of the national file.
OUT_OF_SCOPE_TYPES = frozenset(
    {
        "welsh establishment",
        "offshore schools",
        "service children's education",
        "miscellaneous",
        "institution funded by other government department",
    }
)


def setting_kind_of(school_type: SchoolType) -> SettingKind:
    """The kind of setting of a GIAS establishment: colleges (further education, sixth-form
    colleges and centres, 16 to 19 academies) are colleges; every other type is a school."""
    return SettingKind.COLLEGE if school_type == SchoolType.POST_16 else SettingKind.SCHOOL


@dataclass(frozen=True)
class ParseError:
    """A problem with the file (line None) or with the row that starts on `line`."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class SchoolRow:
    line: int
    urn: int
    name: str
    school_type: SchoolType
    # None means the file has no such column: an import then leaves the school's value alone,
    # so, for example, an e-mail address typed into the portal survives a GIAS download that
    # has no e-mail column.
    la_code: str | None = None
    la_name: str | None = None
    phase: str | None = None
    street: str | None = None
    locality: str | None = None
    town: str | None = None
    postcode: str | None = None
    email: str | None = None
    is_open: bool | None = None

    def field_values(self) -> dict[str, str | bool]:
        """The School fields this row sets, by name."""
        values: dict[str, str | bool] = {
            "name": self.name,
            "school_type": self.school_type,
            "kind": setting_kind_of(self.school_type),
        }
        for name in OPTIONAL_FIELDS:
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        return values


@dataclass(frozen=True)
class SkippedRow:
    line: int
    urn: int
    establishment_type: str


@dataclass
class ParseResult:
    rows: list[SchoolRow] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    closed: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _file_error(message: str, line: int | None = None) -> ParseResult:
    return ParseResult(errors=[ParseError(message, line)])


def _key(text: str) -> str:
    return " ".join(text.split()).casefold().replace("\u2019", "'")


def _shown(value: str, limit: int = 40) -> str:
    """A value quoted for an error message: short, and with control characters made visible,
    because messages go to a terminal and the file may be hostile."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return '"' + "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + '"'


def _max_length(field_name: str) -> int:
    max_length = School._meta.get_field(field_name).max_length
    assert max_length is not None
    return max_length


def _email_column(columns: Sequence[str]) -> str | None:
    """GIAS's public download has no e-mail column; other extracts name theirs variously."""
    for column in columns:
        if "email" in re.sub(r"[^a-z]", "", column.casefold()):
            return column
    return None


def _records(reader: csv.DictReader) -> Iterator[tuple[int, _Record]]:
    """Each record with the line it starts on (the header is line 1).

    `line_num` is the last physical line read, so a record whose quoted fields hold line breaks
    started that many lines earlier.
    """
    for record in reader:
        breaks = 0
        for value in record.values():
            for part in value if isinstance(value, list) else [value]:
                if part:
                    breaks += len(_LINE_BREAK.findall(part))
        yield reader.line_num - breaks, record


def _school_type(type_name: str, group_name: str) -> SchoolType | None:
    return _TYPES.get(_key(type_name)) or _TYPE_GROUPS.get(_key(group_name))


def _parse_urn(raw: str) -> int | str:
    """The URN, or what is wrong with it."""
    if not raw:
        return "the URN is missing"
    # Checked as ASCII digits because int() would also accept "١٢٣٤٥٦" and "1_000_000".
    if not _URN_DIGITS.fullmatch(raw):
        return f"the URN {_shown(raw)} is not a number"
    urn = int(raw)
    if not URN_MIN <= urn <= URN_MAX:
        return f"the URN {raw} is not a 6-digit number from {URN_MIN} to {URN_MAX}"
    return urn


def _width_problem(record: _Record, width: int) -> str | None:
    """A row whose number of values differs from the header's, said plainly."""
    # DictReader files surplus values under the key None and fills a short row with None.
    surplus = record.get(None)
    if not surplus and None not in record.values():
        return None
    count = width + len(surplus) if surplus else sum(v is not None for v in record.values())
    return (
        f"this row has {count} values but the header has {width} columns: "
        "check the file was not damaged (a stray quote mark can do this)"
    )


def _text_values(record: _Record, email_column: str | None) -> tuple[dict[str, Any], list[str]]:
    """The school's text fields from the row, and what is wrong with them."""
    columns = {"name": NAME, **TEXT_COLUMNS}
    if email_column:
        columns["email"] = email_column
    values: dict[str, Any] = {}
    errors: list[str] = []
    for field_name, column in columns.items():
        if column not in record:
            continue
        value = (record.get(column) or "").strip()
        if field_name == "phase" and _key(value) == _GIAS_NOT_APPLICABLE:
            value = ""  # GIAS's way of leaving the phase blank.
        limit = _max_length(field_name)
        if len(value) > limit:
            errors.append(f'"{column}" is {len(value)} characters long; at most {limit} fit')
        elif field_name == "email" and value and not _is_email(value):
            errors.append(f'"{column}" is not a valid e-mail address: {_shown(value)}')
        else:
            values[field_name] = value
    if STATUS in record:
        # Only "Closed" is closed: "Open, but proposed to close" still takes pupils.
        values["is_open"] = _key((record.get(STATUS) or "").strip()) != "closed"
    return values, errors


def _parse_row(
    line: int, record: _Record, width: int, email_column: str | None
) -> SchoolRow | SkippedRow | list[str]:
    """A row, a row left out because of its type, or the row's error messages."""
    problem = _width_problem(record, width)
    if problem:
        return [problem]

    def text(column: str) -> str:
        return (record.get(column) or "").strip()

    urn = _parse_urn(text(URN))
    type_name = text(TYPE)
    if _key(type_name) in OUT_OF_SCOPE_TYPES:
        # Nothing of a row left out is stored, so only its URN needs to be right.
        if isinstance(urn, str):
            return [urn]
        return SkippedRow(line=line, urn=urn, establishment_type=type_name)

    errors = [urn] if isinstance(urn, str) else []
    school_type = _school_type(type_name, text(TYPE_GROUP))
    if school_type is None:
        errors.append(
            f"the establishment type {_shown(type_name)} (group {_shown(text(TYPE_GROUP))}) "
            "is not one the portal knows"
        )
    if not text(NAME):
        errors.append("the establishment name is missing")
    values, value_errors = _text_values(record, email_column)
    errors.extend(value_errors)
    if errors or isinstance(urn, str) or school_type is None:
        return errors
    return SchoolRow(line=line, urn=urn, school_type=school_type, **values)


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _read_header(reader: "csv.DictReader[str]") -> list[str] | ParseResult:
    """The header's columns (trimmed, and set on the reader), or the file's error: not CSV, or
    not from GIAS (a column the import needs is missing)."""
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        return _file_error(f"the file is not valid CSV: {exc}", line=1)
    columns = [column.strip() for column in header or []]
    reader.fieldnames = columns
    missing = [column for column in (URN, NAME) if column not in columns]
    if TYPE not in columns and TYPE_GROUP not in columns:
        missing.append(f"{TYPE} or {TYPE_GROUP}")
    if missing:
        return _file_error(
            "This is not a GIAS establishment file: it has no "
            + ", no ".join(f'"{column}"' for column in missing)
            + " column."
        )
    return columns


def parse_gias_csv(data: bytes) -> ParseResult:
    """Read a GIAS establishment CSV. Any problem is reported, never silently mended.

    A problem with the whole file (too big, not text, not CSV, not from GIAS) gives one error
    and no rows; a problem with a row gives an error with the line the row starts on.
    """
    if len(data) > MAX_FILE_BYTES:
        return _file_error(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    text = decode_upload(data)
    if text is None or "\x00" in text:
        return _file_error(
            "This is not a CSV file. Download the establishment CSV from Get Information About "
            "Schools, or save the spreadsheet as CSV."
        )
    if not text.strip():
        return _file_error("The file is empty.")

    # newline="" lets the csv module see line breaks inside quoted fields as they are.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = _read_header(reader)
    if isinstance(columns, ParseResult):
        return columns

    email_column = _email_column(columns)
    result = ParseResult()
    first_line_of_urn: dict[int, int] = {}
    count = 0
    try:
        for line, record in _records(reader):
            count += 1
            if count > MAX_ROWS:
                return _file_error(
                    f"The file has more than {MAX_ROWS:,} rows, more than there are "
                    "establishments in England: it is not a GIAS establishment file."
                )
            parsed = _parse_row(line, record, len(columns), email_column)
            if isinstance(parsed, list):
                result.errors.extend(ParseError(message, line) for message in parsed)
                continue
            if parsed.urn in first_line_of_urn:
                message = f"URN {parsed.urn} is also on line {first_line_of_urn[parsed.urn]}"
                result.errors.append(ParseError(message, line))
                continue
            first_line_of_urn[parsed.urn] = line
            if isinstance(parsed, SkippedRow):
                result.skipped.append(parsed)
            else:
                result.rows.append(parsed)
    except csv.Error as exc:
        # DictReader counts lines only once a record is read whole; its csv.reader knows the
        # line it stopped on.
        return _file_error(f"the file is not valid CSV: {exc}", line=reader.reader.line_num)
    return result


# Enough to keep each query's parameter list small whatever the size of the file.
_BATCH = 1000


def import_schools(rows: Sequence[SchoolRow], *, dry_run: bool = False) -> ImportSummary:
    """Create or update a School for each row, matched by URN, in one transaction.

    This is update_or_create by URN, done in bulk because a national download is some 52,000
    rows. A school whose fields already match its row is not saved, so re-importing the same
    download adds no empty versions to its history. With `dry_run` everything is done and then
    rolled back, so the counts are exactly what the import would have done.

    Pass only the rows of a parse that found no errors: the rows are trusted as they are.
    """
    with transaction.atomic():
        existing: dict[int, School] = {}
        urns = [row.urn for row in rows]
        for start in range(0, len(urns), _BATCH):
            batch = urns[start : start + _BATCH]
            existing.update((s.urn, s) for s in School.objects.filter(urn__in=batch))

        to_create: list[School] = []
        to_update: list[School] = []
        changed_fields: set[str] = set()
        for row in rows:
            values = row.field_values()
            school = existing.get(row.urn)
            if school is None:
                to_create.append(School(urn=row.urn, **values))
                continue
            changed = {name for name, value in values.items() if getattr(school, name) != value}
            if changed:
                for name in changed:
                    setattr(school, name, values[name])
                to_update.append(school)
                changed_fields |= changed

        reason = "GIAS import"
        bulk_create_with_history(to_create, School, batch_size=_BATCH, default_change_reason=reason)
        if to_update:
            bulk_update_with_history(
                to_update,
                School,
                fields=sorted(changed_fields),
                batch_size=_BATCH,
                default_change_reason=reason,
            )
        if dry_run:
            transaction.set_rollback(True)

    return ImportSummary(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(rows) - len(to_create) - len(to_update),
        closed=sum(1 for row in rows if row.is_open is False),
    )
