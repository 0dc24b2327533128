"""Date pickers carry ISO values (2026-12-01), the only ones <input type="date"> takes, whatever
the language: Chinese formats dates as 2026/12/01, which a date picker shows as empty."""

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation

import baozhang
from baozhang.rectification.round_views import RoundForm


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_new_patrol_round_starts_on_today_in_its_date_picker(alice_client, alice, language):
    alice.language = language
    alice.save(update_fields=["language"])

    page = alice_client.get(reverse("rectification:rounds", args=["college"])).content.decode()

    [tag] = re.findall(r'<input type="date" name="date"[^>]*>', page)
    assert f'value="{timezone.localdate().isoformat()}"' in tag


def _forms_with_pickers() -> list[type[forms.BaseForm]]:
    found = []
    for module_info in pkgutil.walk_packages(baozhang.__path__, "baozhang."):
        if ".migrations" in module_info.name or module_info.name.endswith(".cli"):
            continue
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
                and any(_picker(field) for field in value.base_fields.values())
            ):
                found.append(value)
    return found


def _picker(field: forms.Field) -> str | None:
    kind = getattr(field.widget, "input_type", None)
    return kind if kind in ("date", "datetime-local") else None


def test_every_date_picker_of_every_form_shows_an_iso_value_in_chinese():
    every = _forms_with_pickers()
    assert RoundForm in every and len(every) >= 5
    moment = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 30))
    expected = {"date": "2026-12-01", "datetime-local": "2026-12-01T08:30"}
    with translation.override("zh-hans"):
        for form in every:
            for name, field in form.base_fields.items():
                kind = _picker(field)
                if kind is None:
                    continue
                value = moment if kind == "datetime-local" else moment.date()
                html = field.widget.render(name, field.prepare_value(value))
                assert f'value="{expected[kind]}"' in html, (form.__name__, name, html)
