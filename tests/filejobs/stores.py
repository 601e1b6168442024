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
    bucket = f"pep-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": REGION,
                "default_acl": "private",
                "file_overwrite": True,
                **CREDENTIALS,
            },
        },
    }
    return Store("s3", bucket, client)
