from __future__ import annotations

import factory

from users.models import School, SchoolClass, User, YearGroup


class SchoolFactory(factory.django.DjangoModelFactory[School]):
    class Meta:
        model = School
        django_get_or_create = ("estab",)

    name = factory.Sequence(lambda n: f"Test School {n}")
    estab = factory.Sequence(lambda n: f"{8230000 + n:07d}")
    slug = factory.Sequence(lambda n: f"test-school-{n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    role = User.Role.PUPIL
    forename = factory.Sequence(lambda n: f"Forename{n}")
    surname = "Test"
    username = factory.LazyAttribute(lambda u: f"{u.forename}{u.surname[:1]}")
    password = factory.django.Password("correct horse battery")


class YearGroupFactory(factory.django.DjangoModelFactory[YearGroup]):
    class Meta:
        model = YearGroup

    school = factory.SubFactory(SchoolFactory)
    code = "4"
    name = "Year 4"
    position = 7


class SchoolClassFactory(factory.django.DjangoModelFactory[SchoolClass]):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"{n}AB")
