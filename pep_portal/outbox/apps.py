from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "pep_portal.outbox"
    label = "outbox"
    verbose_name = "Queued work (outbox)"
