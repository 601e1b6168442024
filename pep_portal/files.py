"""Private files (attachments, kept PDFs, ZIPs) go through Django's storage API only, never a
path: `STORAGES["private"]` is a local folder by default and S3-compatible object storage when
PRIVATE_STORAGE_BUCKET is set (settings.py), so web and workers on different machines share
them. Nothing here may call `.path()` or open a file by name."""

from typing import Any

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class PrivateStorage(LazyObject):
    """`storages["private"]`, looked up when first used (as Django's `default_storage` is), so
    a model field can hold it while settings decide which backend it is."""

    def _setup(self) -> None:
        self._wrapped = storages["private"]


private = PrivateStorage()


@receiver(setting_changed, dispatch_uid="pep_portal.files.storages_changed")
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    # Django forgets its own storages when STORAGES changes (tests switch to the S3 server).
    if setting == "STORAGES":
        private._wrapped = empty  # type: ignore[assignment]


def private_storage() -> Storage:
    return private  # type: ignore[return-value]


def save_bytes(name: str, data: bytes) -> str:
    """Write `data` under `name`, replacing whatever was there (the private storage allows
    overwriting: a re-run writes the same name, never a second copy)."""
    from django.core.files.base import ContentFile

    return private_storage().save(name, ContentFile(data))


def read_bytes(name: str) -> bytes:
    with private_storage().open(name, "rb") as stream:
        data: bytes = stream.read()
    return data
