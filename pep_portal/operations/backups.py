"""Backups of the database and the files together, and their restore (README, "Backups").

A backup is a folder:

- `database.dump`: `pg_dump --format=custom` of the portal's database;
- `files.tar.gz`: every file in private storage (attachments, kept PDFs, ZIPs), read through
  the storage API, so a bucket is backed up as a folder is (pep_portal/files.py);
- `manifest.json`: when, what (the latest migration of each app, the number of files) and the
  SHA-256 of both parts, so a restore can tell that the two belong together and are whole.

The database is dumped first and the files archived second. A file is written before the row
that names it commits, so every file the dump names is already there when the archive is made;
a file written after the dump is an unnamed extra, which does no harm.

Restore goes into an empty database (create a new one, restore, then point the portal at it)
and empty private storage (folder or bucket), after checking the manifest: it never overwrites
live data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from pep_portal import files

FORMAT = 1
DUMP, FILES, MANIFEST = "database.dump", "files.tar.gz", "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with the reason in words."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client-15).")
    return found


def _pg_environment(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment, never
    on a command line that `ps` shows."""
    db = connections[alias].settings_dict
    if connections[alias].vendor != "postgresql":
        raise BackupError("Backups need PostgreSQL (the demo's SQLite file can simply be copied).")
    options = ["--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            options += [flag, str(db[key])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return options, env


def _latest_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


@dataclass(frozen=True)
class Backup:
    folder: Path
    manifest: dict  # type: ignore[type-arg]


def backup_create(*, into: Path, now: dt.datetime | None = None) -> Backup:
    now = now or timezone.now()
    folder = into / f"pep-portal-{now:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, exist_ok=False)
    options, env = _pg_environment()
    dump = folder / DUMP
    done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [
            _program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(dump),
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    count = 0
    storage = files.private_storage()
    with tarfile.open(folder / FILES, "w:gz") as archive:
        for name in stored_names():
            with storage.open(name, "rb") as stream:
                info = tarfile.TarInfo(name)
                info.size = storage.size(name)
                info.mtime = int(now.timestamp())
                archive.addfile(info, stream)
            count += 1
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "migrations": _latest_migrations(),
        "database": {"file": DUMP, "sha256": _sha256(dump), "bytes": dump.stat().st_size},
        "files": {
            "file": FILES,
            "sha256": _sha256(folder / FILES),
            "bytes": (folder / FILES).stat().st_size,
            "count": count,
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return Backup(folder, manifest)


def stored_names(directory: str = "") -> Iterator[str]:
    """Every file name in private storage, folder by folder (a bucket's keys, likewise)."""
    storage = files.private_storage()
    try:
        folders, names = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{directory}{name}"
    for sub in sorted(folders):
        yield from stored_names(f"{directory}{sub}/")


def backup_check(folder: Path) -> dict:  # type: ignore[type-arg]
    """The backup's manifest, once both parts are found whole and matching it."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: not a PEP Portal backup.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not one this can read.")
    for part in ("database", "files"):
        path = folder / manifest[part]["file"]
        if not path.is_file():
            raise BackupError(f"The backup's {part} part ({path.name}) is missing.")
        if _sha256(path) != manifest[part]["sha256"]:
            raise BackupError(
                f"The backup's {part} part ({path.name}) does not match its manifest: it was "
                "changed, cut short or comes from another backup. Nothing was restored."
            )
    return manifest


def backup_restore(*, folder: Path) -> dict:  # type: ignore[type-arg]
    """Restore into the configured (empty) database and (empty) files folder."""
    manifest = backup_check(folder)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        (tables,) = cursor.fetchone()
    if tables:
        raise BackupError(
            "The database is not empty: restore into a new database, then point the portal at it."
        )
    storage = files.private_storage()
    if next(stored_names(), None) is not None:
        raise BackupError("The private storage is not empty: restore into a new folder or bucket.")
    connection.close()  # pg_restore needs no session of ours
    options, env = _pg_environment()
    done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [
            _program("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            *options,
            str(folder / DUMP),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    with tarfile.open(folder / FILES, "r:gz") as archive:
        for member in archive:
            # Only plain files, named inside the store: the "data" filter refuses absolute
            # names, links and device files, and the storage refuses ".." in a name.
            member = tarfile.data_filter(member, "")
            stream = archive.extractfile(member) if member.isfile() else None
            if stream is not None:
                storage.save(member.name, File(stream))
    return manifest
