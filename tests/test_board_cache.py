"""The public notice board is kept in the cache for a short time: served again with almost no
queries, made anew as soon as a check is stored, a finding corrected or the board's settings
change, and never served once the board is turned off or its link made anew."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from baozhang.inspections.models import Finding
from baozhang.inspections.selectors import board_policy
from baozhang.inspections.services import FindingInput, finding_correct
from tests.test_inspection_pages import (
    BOARD_SETTINGS,
    setup,  # noqa: F401 - the fixture
    submit_today,
)

pytestmark = pytest.mark.django_db

SETTINGS = reverse("inspections:board-settings", args=["college"])


@pytest.fixture
def visitor() -> Client:
    """Someone in front of the board, not signed in."""
    return Client()


@pytest.fixture
def board(alice_client, setup, django_capture_on_commit_callbacks):  # noqa: F811
    """The board's address, once alice has turned it on."""
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(SETTINGS, {**BOARD_SETTINGS, "board_enabled": "on"})
    return reverse(
        "board", args=[board_policy(organisation=setup["room"].organisation).board_token]
    )


def test_the_board_is_served_again_from_the_cache_with_two_queries(visitor, board):
    first = visitor.get(board)
    assert first.status_code == 200 and "0852班" in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = visitor.get(board)
    assert again.content == first.content
    # The board's settings (is it on, is this its link) and the cached page with its version.
    assert len(queries) == 2, [query["sql"] for query in queries]


def test_a_check_stored_or_a_finding_corrected_shows_on_the_next_request(
    visitor,
    board,
    setup,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    assert "地面有垃圾" not in visitor.get(board).content.decode()
    rubbish, bedding = (setup["items"][text].pk for text in ("地面有垃圾", "被褥叠放"))
    with django_capture_on_commit_callbacks(execute=True):
        submit_today(setup, FindingInput(item_id=rubbish))
    assert "5413 地面有垃圾 −2" in visitor.get(board).content.decode()
    with scope(organisation=setup["room"].organisation):
        finding = Finding.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            finding_correct(
                finding=finding, given=FindingInput(item_id=bedding, points=Decimal(3)), by=None
            )
    body = visitor.get(board).content.decode()
    assert "5413 被褥叠放 −3" in body and "地面有垃圾" not in body


def test_a_change_of_the_board_settings_shows_at_once(
    visitor,
    alice_client,
    board,
    setup,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_today(setup)  # a check that found nothing: 0852 scores the base
    assert "<td>100</td>" in visitor.get(board).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(SETTINGS, {**BOARD_SETTINGS, "base_score": "90", "board_enabled": "on"})
    body = visitor.get(board).content.decode()
    assert "<td>90</td>" in body and "<td>100</td>" not in body


def test_a_board_turned_off_or_given_a_new_link_is_gone_at_once(
    visitor, alice_client, board, college
):
    # No commit callbacks run here: the refusal does not wait for the cache to learn of it.
    assert visitor.get(board).status_code == 200
    alice_client.post(SETTINGS, BOARD_SETTINGS)
    assert visitor.get(board).status_code == 404
    alice_client.post(SETTINGS, {**BOARD_SETTINGS, "board_enabled": "on"})
    renewed = reverse("board", args=[board_policy(organisation=college).board_token])
    assert visitor.get(renewed).status_code == 200
    alice_client.post(SETTINGS, {**BOARD_SETTINGS, "board_enabled": "on", "new_link": "on"})
    assert visitor.get(renewed).status_code == 404
    assert visitor.get(board).status_code == 404
