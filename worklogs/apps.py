from django.apps import AppConfig


class WorklogsConfig(AppConfig):
    name = "worklogs"
    verbose_name = "Work logs"
