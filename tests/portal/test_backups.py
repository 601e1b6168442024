"""`make backup` / `make restore` (manage.py backup / restore): a round trip of the database
and the files into a scratch database and folder, with production settings in other processes;
a backup whose parts do not match its manifest, and a restore over live data, are refused."""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from children.models import Child
from pep_portal.accounts.models import User
from tests.filejobs.stores import new_bucket, s3_environment

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]


def url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def manage(
    *args: str, database: str, media: Path, storage: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TEST_")},
        "DJANGO_SETTINGS_MODULE": "pep_portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "k" * 60,
        "DATABASE_URL": url(database),
        "REDIS_URL": "",
        "PRIVATE_MEDIA_ROOT": str(media),
        **(storage or {}),  # S3-compatible object storage instead of the folder
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def scratch_databases():  # type: ignore[no-untyped-def]
    made: list[str] = []

    def make() -> str:
        name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    yield make
    for name in made:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(database: str, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    with psycopg.connect(url(database)) as conn:
        return conn.execute(sql).fetchall()


def test_backup_and_restore_round_trip_into_a_scratch_database(
    personas, pep_setting, tmp_path, scratch_databases
):
    media = tmp_path / "media"
    (media / "attachments" / "7").mkdir(parents=True)
    (media / "attachments" / "7" / "report.pdf").write_bytes(b"%PDF-1.7 attachment\n")
    (media / "pdf" / "signed").mkdir(parents=True)
    (media / "pdf" / "signed" / "pep-1.pdf").write_bytes(b"%PDF-1.7 kept\n" * 1000)
    source = connection.settings_dict["NAME"]

    made = manage("backup", "--into", str(tmp_path / "backups"), database=source, media=media)
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["count"] == 2
    assert manifest["migrations"]["scheduling"] == "0001_initial"
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "files.tar.gz",
        "manifest.json",
    ]

    target, restored_media = scratch_databases(), tmp_path / "restored-media"
    done = manage("restore", str(folder), database=target, media=restored_media)
    assert done.returncode == 0, done.stderr
    assert "Restored the database and 2 files" in done.stdout

    children = "SELECT id, legal_first_name, legal_last_name FROM children_child ORDER BY id"
    users = "SELECT id, email FROM accounts_user ORDER BY id"
    assert rows(target, children) == list(
        Child.objects.order_by("id").values_list("id", "legal_first_name", "legal_last_name")
    )
    assert rows(target, users) == list(User.objects.order_by("id").values_list("id", "email"))
    assert len(rows(target, users)) >= 7
    for path in ("attachments/7/report.pdf", "pdf/signed/pep-1.pdf"):
        assert (restored_media / path).read_bytes() == (media / path).read_bytes()
    # The restored database is a working one: the portal sees every migration applied.
    check = manage("migrate", "--check", database=target, media=restored_media)
    assert check.returncode == 0, check.stdout + check.stderr

    # Never over live data: the restored database is not empty any more.
    again = manage("restore", str(folder), database=target, media=tmp_path / "other-media")
    assert again.returncode != 0
    assert "The database is not empty" in again.stderr


def test_a_backup_whose_parts_do_not_match_its_manifest_is_refused_and_nothing_restored(
    personas, tmp_path, scratch_databases
):
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.pdf").write_bytes(b"%PDF-1.7\n")
    source = connection.settings_dict["NAME"]
    assert (
        manage("backup", "--into", str(tmp_path / "b"), database=source, media=media).returncode
        == 0
    )
    (folder,) = (tmp_path / "b").iterdir()
    # The files from another day's backup beside this day's database.
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.pdf").write_bytes(b"%PDF-1.7 a different file\n")
    shutil.make_archive(str(tmp_path / "swapped"), "gztar", root_dir=other)
    shutil.copy(tmp_path / "swapped.tar.gz", folder / "files.tar.gz")

    target, restored_media = scratch_databases(), tmp_path / "restored-media"
    done = manage("restore", str(folder), database=target, media=restored_media)
    assert done.returncode != 0
    assert "files part (files.tar.gz) does not match its manifest" in done.stderr
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
    assert rows(target, tables) == [(0,)]
    assert not restored_media.exists()


def test_backup_and_restore_round_trip_with_the_files_in_s3_object_storage(
    personas, tmp_path, scratch_databases, s3_endpoint
):
    """The same round trip with PRIVATE_STORAGE_BUCKET set: the files part is the bucket's
    objects (read through the S3 API, not a folder), restored into an empty bucket."""
    bucket, s3 = new_bucket(s3_endpoint)
    kept = {
        "attachments/7/report.pdf": b"%PDF-1.7 attachment\n",
        "pdf/signed/pep-1.pdf": b"%PDF-1.7 kept\n" * 1000,
        "filejobs/2026/11/bulk.zip": b"PK\x05\x06" + b"\x00" * 18,
    }
    for key, data in kept.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    # A stray file in the (unused) local folder: not part of this portal's files.
    media = tmp_path / "media"
    media.mkdir()
    (media / "stray.pdf").write_bytes(b"%PDF-1.7 not in the bucket\n")
    source = connection.settings_dict["NAME"]

    made = manage(
        "backup",
        "--into",
        str(tmp_path / "backups"),
        database=source,
        media=media,
        storage=s3_environment(s3_endpoint, bucket),
    )
    assert made.returncode == 0, made.stderr
    (folder,) = (tmp_path / "backups").iterdir()
    assert json.loads((folder / "manifest.json").read_text())["files"]["count"] == 3
    with tarfile.open(folder / "files.tar.gz") as archive:
        archived = {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}  # type: ignore[union-attr]
    assert archived == kept

    target, restored = scratch_databases(), new_bucket(s3_endpoint)[0]
    done = manage(
        "restore",
        str(folder),
        database=target,
        media=tmp_path / "unused",
        storage=s3_environment(s3_endpoint, restored),
    )
    assert done.returncode == 0, done.stderr
    assert "Restored the database and 3 files" in done.stdout
    listed = s3.list_objects_v2(Bucket=restored).get("Contents", [])
    assert sorted(item["Key"] for item in listed) == sorted(kept)
    for key, data in kept.items():
        assert s3.get_object(Bucket=restored, Key=key)["Body"].read() == data
    assert rows(target, "SELECT count(*) FROM children_child") == [(Child.objects.count(),)]
    assert not (tmp_path / "unused").exists()

    # Never over live files: a new, empty database but the same (now full) bucket.
    again = manage(
        "restore",
        str(folder),
        database=scratch_databases(),
        media=tmp_path / "unused",
        storage=s3_environment(s3_endpoint, restored),
    )
    assert again.returncode != 0
    assert "The private storage is not empty" in again.stderr
