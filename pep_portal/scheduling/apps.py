from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "pep_portal.scheduling"
    label = "scheduling"
    verbose_name = "Daily jobs and heartbeats"
