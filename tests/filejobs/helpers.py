"""Following a PDF through its file job, as a person's browser does: ask for it, land on the
job's page, and (once the worker has run the job) download it."""

from django.test import Client
from django.urls import reverse

from pep_portal.filejobs import services as filejobs


def job_id_of(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[1]


def get_pdf(client: Client, pep_pk: int):  # type: ignore[no-untyped-def]
    """GET the PEP's PDF link; if it is made by a job, run the job here (as the worker would)
    and return the download. Any other answer (404, a sign-in redirect) is returned as is."""
    response = client.get(reverse("pep_pdf", args=[pep_pk]))
    if response.status_code != 302 or "/pdf/bulk/" not in response["Location"]:
        return response
    job_id = job_id_of(response["Location"])
    filejobs.run(job_id)
    return client.get(reverse("pep_pdf_bulk_download", args=[job_id]))


def content_of(response) -> bytes:  # type: ignore[no-untyped-def]
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)
