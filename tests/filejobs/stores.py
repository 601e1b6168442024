"""Private storage both ways: the local folder (the default) and S3-compatible object storage,
against a real S3 API server (moto's server mode, started once per test process on a free port;
boto3 speaks HTTP to it exactly as to any object store)."""

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}
REGION = "eu-west-2"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )


def new_bucket(endpoint: str) -> tuple[str, Any]:
    """A fresh, empty bucket on the S3 server, and a client of its own to look into it."""
    client = s3_client(endpoint)
    bucket = f"pep-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket, client


def s3_environment(endpoint: str, bucket: str) -> dict[str, str]:
    """What the production settings read to keep private files in `bucket` (README, "Files and
    jobs"), for a process the test starts."""
    return {
        "PRIVATE_STORAGE_BUCKET": bucket,
        "PRIVATE_STORAGE_ENDPOINT_URL": endpoint,
        "PRIVATE_STORAGE_REGION": REGION,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["access_key"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["secret_key"],
    }


def s3_settings(endpoint: str, bucket: str) -> dict[str, Any]:
    """STORAGES["private"] for this process, as the production settings make it for a bucket."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "default_acl": "private",
            "file_overwrite": True,
            **CREDENTIALS,
        },
    }


@dataclass
class Store:
    kind: str  # "files" or "s3"
    bucket: str = ""
    client: Any = None

    def keys(self) -> list[str]:
        """What the store holds, asked of the store itself (not through the portal's code)."""
        if self.kind != "s3":
            from pathlib import Path

            from django.conf import settings

            root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
            return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        if self.kind != "s3":
            from pathlib import Path

            from django.conf import settings

            root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
            return (root / key).read_bytes()
        return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())


@pytest.fixture(params=["files", "s3"])
def store(request: pytest.FixtureRequest, settings: Any, tmp_path: Any) -> Store:
    """Each test once on a fresh local folder and once on a fresh bucket."""
    if request.param == "files":
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path / "private"), "allow_overwrite": True},
            },
        }
        return Store("files")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket, client = new_bucket(endpoint)
    settings.STORAGES = {**settings.STORAGES, "private": s3_settings(endpoint, bucket)}
    return Store("s3", bucket, client)
