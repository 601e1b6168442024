"""Reading a case system's SSDA903 extract: header.csv and episodes.csv, or one XML file.

Pure: bytes in, children and problems out; nothing here touches the database, so the command,
the upload page and the tests share it. Two kinds of problem:

- errors make a row meaningless (a missing CHILD id, an unknown code, an impossible date, an
  episode that overlaps another): the whole extract is refused, every bad row named by file,
  line and field;
- warnings are what case systems often get wrong but must not hold up the roll (a UPN whose
  check letter is wrong, the "UN1" to "UN5" unknown-UPN codes, a UPN two children share): the
  child is imported without the UPN and the warning is shown in the preview and on the child's
  record.

Rules the return leaves open, decided here:
- an episode with no end date (DEC) is open whatever its REC says (extracts often fill REC in
  before the episode ends); an episode that has ended must say why (REC);
- X1 ("a new episode begins the same day") must be followed by an episode starting that day;
  any other REC ends the period of care, and a later episode starts a new one (re-entry);
- children in the header with no episode were not looked after in the extract's year: left out.

The XML layout: any root holding `CHILD` elements, each with one `HEADER` and its `EPISODE`
elements, whose child elements are named as the CSV columns (`<DOB>2008-03-27</DOB>`). Dates may
be written 27/03/2008 (as in the CSV files) or 2008-03-27 (XML's own).
"""

import csv
import datetime as dt
import io
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from django.core.exceptions import ValidationError

from children import ssda903_codes as codes
from children.upn import CHECK_LETTER_MESSAGE, normalise_upn, validate_upn
from pep_portal.text import decode_upload

MAX_FILE_BYTES = 50 * 1024 * 1024
HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN")
EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC")
_CHILD_ID = re.compile(r"[A-Za-z0-9/_-]{1,40}")
_UK_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_URN = re.compile(r"[A-Za-z0-9]{1,8}")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class EpisodeRow:
    file: str
    line: int
    decom: dt.date
    rne: str
    ls: str
    cin: str
    place: str
    provider: str
    dec: dt.date | None
    rec: str
    urn: str

    @property
    def leaves_care(self) -> bool:
        return self.dec is not None and self.rec != codes.CONTINUES


@dataclass
class ChildRow:
    file: str
    line: int
    child_id: str
    gender: str
    date_of_birth: dt.date
    ethnicity: str
    upn: str  # "" when missing or not usable (see `upn_warning`)
    upn_warning: str = ""
    episodes: list[EpisodeRow] = field(default_factory=list)


@dataclass
class Extract:
    children: list[ChildRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Children in the header with no episode in the extract: not looked after that year.
    not_looked_after: int = 0
    header_rows: int = 0
    episode_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def refused_lines(self) -> set[tuple[str, int | None]]:
        return {(p.file, p.line) for p in self.errors}


_Record = dict[str, str]


class _Rows:
    """Collects the problems of one record."""

    def __init__(self, extract: Extract, file: str, line: int) -> None:
        self.extract, self.file, self.line = extract, file, line
        self.failed = False

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.extract.errors.append(Problem(self.file, self.line, column, message))

    def warn(self, column: str, message: str) -> None:
        self.extract.warnings.append(Problem(self.file, self.line, column, message))


def _shown(value: str, limit: int = 30) -> str:
    text = value if len(value) <= limit else value[:limit] + "…"
    return '"' + "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) + '"'


def _date(rows: _Rows, record: _Record, column: str, *, required: bool = True) -> dt.date | None:
    raw = (record.get(column) or "").strip()
    if not raw:
        if required:
            rows.error(column, "the date is missing")
        return None
    match = _UK_DATE.fullmatch(raw)
    parts = (match.group(3), match.group(2), match.group(1)) if match else None
    if parts is None and (iso := _ISO_DATE.fullmatch(raw)):
        parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        rows.error(column, f"{_shown(raw)} is not a date written DD/MM/YYYY")
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        rows.error(column, f"{_shown(raw)} is not a real date")
        return None


def _code(rows: _Rows, record: _Record, column: str, table: Any, *, required: bool = True) -> str:
    raw = (record.get(column) or "").strip().upper()
    if not raw:
        if required:
            rows.error(column, "the code is missing")
        return ""
    if raw not in table:
        rows.error(column, f"{_shown(raw)} is not an SSDA903 {column} code")
        return ""
    return raw


def _upn(rows: _Rows, raw: str) -> tuple[str, str]:
    """(UPN, warning): a UPN that cannot be used is left out with a warning, never refused."""
    upn = normalise_upn(raw)
    if not upn:
        return "", "No UPN: find the child's UPN"
    if upn in codes.UNKNOWN_UPN:
        return "", f"No UPN ({upn}: {codes.UNKNOWN_UPN[upn]}): find the child's UPN"
    try:
        validate_upn(upn)
    except ValidationError as exc:
        message = CHECK_LETTER_MESSAGE if exc.code == "upn_check_letter" else exc.messages[0]
        return "", f"UPN {upn} not imported: {message}"
    return upn, ""


def _header_row(
    extract: Extract, file: str, line: int, record: _Record, as_of: dt.date
) -> ChildRow | None:
    rows = _Rows(extract, file, line)
    child_id = (record.get("CHILD") or "").strip()
    if not child_id:
        rows.error("CHILD", "the child's ID is missing")
    elif not _CHILD_ID.fullmatch(child_id):
        rows.error("CHILD", f"{_shown(child_id)} is not a case system ID")
    sex = _code(rows, record, "SEX", codes.SEX)
    ethnic = _code(rows, record, "ETHNIC", codes.ETHNIC)
    dob = _date(rows, record, "DOB")
    if dob is not None and dob > as_of:
        rows.error(
            "DOB", f"born {dob:%d/%m/%Y}, after the date the extract describes ({as_of:%d/%m/%Y})"
        )
    upn, upn_warning = _upn(rows, record.get("UPN") or "")
    if rows.failed or dob is None:
        return None
    if upn_warning:
        rows.warn("UPN", upn_warning)
    return ChildRow(
        file=file,
        line=line,
        child_id=child_id,
        gender=codes.SEX[sex],
        date_of_birth=dob,
        ethnicity=codes.ETHNIC[ethnic],
        upn=upn,
        upn_warning=upn_warning,
    )


def _episode_row(
    extract: Extract, file: str, line: int, record: _Record, as_of: dt.date
) -> tuple[str, EpisodeRow] | None:
    rows = _Rows(extract, file, line)
    child_id = (record.get("CHILD") or "").strip()
    if not child_id:
        rows.error("CHILD", "the child's ID is missing")
    decom = _date(rows, record, "DECOM")
    dec = _date(rows, record, "DEC", required=False)
    rne = _code(rows, record, "RNE", codes.REASON_NEW_EPISODE)
    ls = _code(rows, record, "LS", codes.LEGAL_STATUS)
    cin = _code(rows, record, "CIN", codes.CATEGORY_OF_NEED)
    place = _code(rows, record, "PLACE", codes.PLACEMENT)
    provider = _code(rows, record, "PLACE_PROVIDER", codes.PLACEMENT_PROVIDER, required=False)
    # An open episode's REC means nothing yet (see the module's notes): only checked once ended.
    rec = _code(rows, record, "REC", codes.REASON_CEASED, required=dec is not None) if dec else ""
    urn = (record.get("URN") or "").strip()
    if urn and not _URN.fullmatch(urn):
        rows.error("URN", f"{_shown(urn)} is not an Ofsted URN")
    for column, day in (("DECOM", decom), ("DEC", dec)):
        if day is not None and day > as_of:
            rows.error(
                column, f"{day:%d/%m/%Y} is after the date the extract describes ({as_of:%d/%m/%Y})"
            )
    if decom and dec and dec < decom:
        rows.error("DEC", f"the episode ends ({dec:%d/%m/%Y}) before it starts ({decom:%d/%m/%Y})")
    if rows.failed or decom is None:
        return None
    episode = EpisodeRow(file, line, decom, rne, ls, cin, place, provider, dec, rec, urn)
    return child_id, episode


def _check_child_episodes(extract: Extract, child: ChildRow) -> None:
    """Errors in the order of a child's episodes: overlaps, gaps after X1, a re-entry on the day
    of leaving, an episode before birth."""
    episodes = sorted(child.episodes, key=lambda e: (e.decom, e.line))
    child.episodes = episodes
    for episode in episodes:
        if episode.decom < child.date_of_birth:
            extract.errors.append(
                Problem(
                    episode.file,
                    episode.line,
                    "DECOM",
                    "the episode starts before the child was born",
                )
            )
    for before, after in itertools.pairwise(episodes):
        problem = None
        if before.dec is None:
            problem = f"starts while the episode on line {before.line} is still open"
        elif after.decom < before.dec:
            problem = (
                f"starts before the episode on line {before.line} ends ({before.dec:%d/%m/%Y})"
            )
        elif before.rec == codes.CONTINUES and after.decom != before.dec:
            problem = (
                f"should start on {before.dec:%d/%m/%Y}: the episode on line {before.line} "
                "ended with X1 (a new episode the same day)"
            )
        elif before.leaves_care and after.decom == before.dec:
            problem = (
                f"starts the day the child left care (line {before.line}, {before.rec}): "
                "the earlier episode's REC should be X1"
            )
        if problem:
            extract.errors.append(Problem(after.file, after.line, "DECOM", problem))
    last = episodes[-1]
    if last.dec is not None and last.rec == codes.CONTINUES:
        extract.errors.append(
            Problem(
                last.file,
                last.line,
                "REC",
                "X1 says a new episode begins the same day, but none does",
            )
        )


def _shared_upns(extract: Extract) -> None:
    """Two children with one UPN: one of them is wrong, and which is for a person to find.
    Like a UPN whose check letter is wrong, it does not hold up the roll: both are imported
    without it, with a warning."""
    holders: dict[str, list[ChildRow]] = defaultdict(list)
    for child in extract.children:
        if child.upn:
            holders[child.upn].append(child)
    for upn, children in holders.items():
        if len(children) < 2:
            continue
        for child in children:
            others = ", ".join(c.child_id for c in children if c is not child)
            child.upn = ""
            child.upn_warning = f"UPN {upn} not imported: child {others} has the same UPN"
            extract.warnings.append(Problem(child.file, child.line, "UPN", child.upn_warning))


def _assemble(
    extract: Extract,
    headers: list[tuple[str, int, _Record]],
    episodes: list[tuple[str, int, _Record]],
    as_of: dt.date,
) -> Extract:
    extract.header_rows, extract.episode_rows = len(headers), len(episodes)
    children: dict[str, ChildRow] = {}
    seen: dict[str, int] = {}
    for file, line, record in headers:
        child = _header_row(extract, file, line, record, as_of)
        child_id = (record.get("CHILD") or "").strip()
        if child_id and child_id in seen:
            extract.errors.append(
                Problem(file, line, "CHILD", f"child {child_id} is also on line {seen[child_id]}")
            )
            continue
        if child_id:
            seen[child_id] = line
        if child is not None:
            children[child.child_id] = child
    by_child: dict[str, list[EpisodeRow]] = defaultdict(list)
    for file, line, record in episodes:
        parsed = _episode_row(extract, file, line, record, as_of)
        if parsed is None:
            continue
        child_id, episode = parsed
        if child_id not in seen:
            extract.errors.append(
                Problem(file, line, "CHILD", f"child {child_id} is not in the header")
            )
            continue
        by_child[child_id].append(episode)
    for child_id, child in children.items():
        child.episodes = by_child.get(child_id, [])
        if not child.episodes:
            extract.not_looked_after += 1
            continue
        _check_child_episodes(extract, child)
        extract.children.append(child)
    _shared_upns(extract)
    # Warnings only for children who are imported.
    kept = {(c.file, c.line) for c in extract.children}
    extract.warnings = [w for w in extract.warnings if (w.file, w.line) in kept]
    extract.errors.sort(key=lambda p: (p.file, p.line or 0, p.field))
    return extract


# --- Files ------------------------------------------------------------------------------------


def _csv_records(
    name: str, text: str, extract: Extract
) -> tuple[list[str], list[tuple[str, int, _Record]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[str, int, _Record]] = []
    try:
        header = [c.strip().upper() for c in next(reader, [])]
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) != len(header):
                extract.errors.append(
                    Problem(
                        name,
                        line,
                        "",
                        f"this row has {len(row)} values but the header has {len(header)} columns",
                    )
                )
                continue
            records.append((name, line, dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        extract.errors.append(
            Problem(name, reader.line_num, "", f"the file is not valid CSV: {exc}")
        )
    return header, records


def _parse_csvs(files: list[tuple[str, bytes]], as_of: dt.date) -> Extract:
    extract = Extract()
    headers: list[tuple[str, int, _Record]] | None = None
    episodes: list[tuple[str, int, _Record]] | None = None
    for name, data in files:
        text = decode_upload(data)
        if text is None or "\x00" in text:
            extract.errors.append(Problem(name, None, "", "this is not a CSV or XML file"))
            continue
        columns, records = _csv_records(name, text, extract)
        if all(c in columns for c in EPISODE_COLUMNS):
            episodes = records
        elif all(c in columns for c in HEADER_COLUMNS):
            headers = records
        else:
            extract.errors.append(
                Problem(
                    name,
                    1,
                    "",
                    "this is neither an SSDA903 header file (CHILD, SEX, DOB, ETHNIC, UPN) "
                    "nor an episodes file (CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, "
                    "DEC, REC)",
                )
            )
    if extract.errors:
        return extract
    if headers is None or episodes is None:
        missing = "header" if headers is None else "episodes"
        extract.errors.append(
            Problem(
                "",
                None,
                "",
                f"The {missing} file is missing: give both header.csv and episodes.csv",
            )
        )
        return extract
    return _assemble(extract, headers, episodes, as_of)


class _XmlRefused(Exception):
    pass


class _XmlReader:
    """HEADER and EPISODE records with the line each starts on. Expat, because ElementTree
    forgets lines; no DTDs or entities at all (a hostile file could expand them). An EPISODE
    takes the CHILD id of its CHILD element's HEADER."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parser = expat.ParserCreate()
        self.headers: list[tuple[str, int, _Record]] = []
        self.episodes: list[tuple[str, int, _Record]] = []
        self.stack: list[str] = []
        self.current: tuple[str, int, _Record] | None = None
        self.text: list[str] = []
        # The episodes of the CHILD element being read, and how many headers came before it.
        self.pending: list[_Record] = []
        self.headers_before: list[int] = []
        self.parser.StartDoctypeDeclHandler = self.refuse
        self.parser.EntityDeclHandler = self.refuse
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text.append

    def refuse(self, *args: Any) -> None:
        raise _XmlRefused("the file declares a DTD or entities, which an SSDA903 file never does")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.stack.append(tag.upper())
        self.text.clear()
        if self.current is not None:
            return
        if self.stack[-1] == "CHILD":
            self.headers_before.append(len(self.headers))
        elif self.stack[-1] in ("HEADER", "EPISODE") and self.stack[-2:-1] == ["CHILD"]:
            self.current = (self.stack[-1], self.parser.CurrentLineNumber, {})

    def end(self, tag: str) -> None:
        closing = self.stack.pop()
        current = self.current
        if current is None:
            if closing == "CHILD" and self.headers_before:
                has_header = len(self.headers) > self.headers_before.pop()
                child_id = self.headers[-1][2].get("CHILD", "") if has_header else ""
                for record in self.pending:
                    record.setdefault("CHILD", child_id)
                self.pending.clear()
            return
        if closing == current[0]:
            if current[0] == "HEADER":
                self.headers.append((self.name, current[1], current[2]))
            else:
                self.episodes.append((self.name, current[1], current[2]))
                self.pending.append(current[2])
            self.current = None
        elif self.stack and self.stack[-1] == current[0]:
            current[2][closing] = "".join(self.text).strip()
        self.text.clear()

    def read(
        self, data: bytes
    ) -> tuple[list[tuple[str, int, _Record]], list[tuple[str, int, _Record]]]:
        self.parser.Parse(data, True)
        return self.headers, self.episodes


def _parse_xml(name: str, data: bytes, as_of: dt.date) -> Extract:
    extract = Extract()
    try:
        headers, episodes = _XmlReader(name).read(data)
    except expat.ExpatError as exc:
        extract.errors.append(
            Problem(
                name,
                exc.lineno,
                "",
                f"the file is not valid XML: {expat.errors.messages.get(exc.code, exc)}",
            )
        )
        return extract
    except _XmlRefused as exc:
        extract.errors.append(Problem(name, None, "", str(exc)))
        return extract
    if not headers:
        extract.errors.append(
            Problem(name, None, "", "the file has no CHILD element with a HEADER")
        )
        return extract
    return _assemble(extract, headers, episodes, as_of)


def parse_extract(files: list[tuple[str, bytes]], as_of: dt.date) -> Extract:
    """Read the two CSV files (in either order) or one XML file."""
    for name, data in files:
        if len(data) > MAX_FILE_BYTES:
            return Extract(
                errors=[
                    Problem(name, None, "", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
                ]
            )
    if len(files) == 1 and files[0][1].lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        return _parse_xml(files[0][0], files[0][1], as_of)
    if len(files) != 2:
        return Extract(
            errors=[Problem("", None, "", "Give header.csv and episodes.csv, or one XML file")]
        )
    return _parse_csvs(files, as_of)
