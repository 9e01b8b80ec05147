"""factory-boy factories. Money rows are made through the services, as in production."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from worklogs import services as worklog_services
from worklogs.models import Task, Worker, WorkLog


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-1234")


class FinanceUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"finance{n}")
    is_staff = True

    @factory.post_generation
    def finance_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get_or_create(name="finance")[0])


class WorkerFactory(factory.django.DjangoModelFactory):
    """A worker with its ledger accounts, made by `worker_create`."""

    class Meta:
        model = Worker

    name = factory.Sequence(lambda n: f"Worker {n}")
    email = factory.Sequence(lambda n: f"worker{n}@example.com")
    currency = "USD"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return worklog_services.worker_create(**kwargs)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return worklog_services.task_create(**kwargs)


class WorkLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkLog

    worker = factory.SubFactory(WorkerFactory)
    task = factory.SubFactory(TaskFactory)
    hourly_rate = Decimal("60.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return worklog_services.worklog_create(**kwargs)
