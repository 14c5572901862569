"""The PostgreSQL pass runs the tests marked ``database`` (conftest.py, docs/testing.md): every test
that can reach the test database must carry the mark, and only those."""

import pytest


def test_a_test_without_marker_or_database_fixture_is_not_a_database_test(request):
    assert request.node.get_closest_marker("database") is None


@pytest.mark.django_db
def test_the_django_db_marker_makes_a_database_test(request):
    assert request.node.get_closest_marker("database") is not None


def test_a_fixture_that_needs_the_database_makes_a_database_test(request, client_user):
    assert request.node.get_closest_marker("database") is not None


def test_transactional_tests_are_database_tests(request, transactional_db):
    assert request.node.get_closest_marker("database") is not None
