"""The schedule form: times as text, weekdays as boxes, what each kind needs."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from baozhang.core.forms import DateInput
from baozhang.inspections.models import Schedule, ScheduleKind
from baozhang.orgs.forms import TenantForm
from baozhang.orgs.models import AreaType, Location, Person, Unit
from baozhang.standards.models import Standard

WEEKDAYS = [
    (1, _("Mon")),
    (2, _("Tue")),
    (3, _("Wed")),
    (4, _("Thu")),
    (5, _("Fri")),
    (6, _("Sat")),
    (7, _("Sun")),
]


class ScheduleForm(TenantForm):
    scoped_fields = {
        "standard": Standard,
        "team": Unit,
        "assignees": Person,
        "locations": Location,
        "area_types": AreaType,
    }
    times_text = forms.CharField(
        label=_("times"),
        required=False,
        help_text=_("Times of day separated by commas, e.g. 07:30, 13:30, 19:20."),
    )
    weekday_choices = forms.TypedMultipleChoiceField(
        label=_("weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = [
        "name",
        "standard",
        "kind",
        "level",
        "times_text",
        "weekday_choices",
        "month_day",
        "checks_per_week",
    ]

    class Meta:
        model = Schedule
        fields = [
            "name",
            "standard",
            "kind",
            "level",
            "month_day",
            "checks_per_week",
            "window_minutes",
            "assignees",
            "team",
            "area_types",
            "locations",
            "starts_on",
            "ends_on",
            "is_active",
        ]
        field_classes = {
            "standard": SafeModelChoiceField,
            "team": SafeModelChoiceField,
            "assignees": SafeModelMultipleChoiceField,
            "locations": SafeModelMultipleChoiceField,
            "area_types": SafeModelMultipleChoiceField,
        }
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "area_types": forms.CheckboxSelectMultiple,
            "assignees": forms.SelectMultiple(attrs={"size": 6}),
            "locations": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("times_text", ", ".join(self.instance.times))
            self.initial.setdefault("weekday_choices", self.instance.weekdays)

    def clean_times_text(self) -> list[str]:
        text = self.cleaned_data.get("times_text", "")
        times = []
        for part in text.replace("，", ",").replace("、", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                times.append(dt.time.fromisoformat(part).strftime("%H:%M"))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a time like 07:30."), params={"value": part}
                ) from None
        return sorted(set(times))

    def clean(self):
        data = super().clean()
        kind, times = data.get("kind"), data.get("times_text") or []
        weekdays = data.get("weekday_choices") or []
        if kind == ScheduleKind.DAILY and not times:
            self.add_error("times_text", _("A daily schedule needs at least one time."))
        if kind in (ScheduleKind.WEEKLY, ScheduleKind.PATROL) and not weekdays:
            self.add_error("weekday_choices", _("Choose the weekdays of the checks."))
        if kind == ScheduleKind.MONTHLY and not 1 <= (data.get("month_day") or 0) <= 31:
            self.add_error("month_day", _("Give a day of the month from 1 to 31."))
        if kind == ScheduleKind.RANDOM and not (data.get("checks_per_week") or 0) >= 1:
            self.add_error("checks_per_week", _("Give how many random checks a week."))
        if not data.get("locations") and not data.get("area_types"):
            self.add_error("area_types", _("Choose area types or locations to check."))
        self.instance.times = times
        self.instance.weekdays = sorted(weekdays)
        return data
