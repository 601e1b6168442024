"""PEP PDFs, mounted under /peps/ beside the PEP pages (pep_portal/urls.py)."""

from django.urls import path

from . import views as pdf_views

urlpatterns = [
    path("<int:pk>/pdf/", pdf_views.pep_pdf, name="pep_pdf"),
    path("pdf/bulk/", pdf_views.pep_pdf_bulk, name="pep_pdf_bulk"),
    path("pdf/bulk/<slug:job_id>/", pdf_views.pep_pdf_bulk_job, name="pep_pdf_bulk_job"),
    path(
        "pdf/bulk/<slug:job_id>/progress/",
        pdf_views.pep_pdf_bulk_progress,
        name="pep_pdf_bulk_progress",
    ),
    path(
        "pdf/bulk/<slug:job_id>/download/",
        pdf_views.pep_pdf_bulk_download,
        name="pep_pdf_bulk_download",
    ),
]
