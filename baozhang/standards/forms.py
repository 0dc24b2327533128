"""Forms of the standards pages."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelMultipleChoiceField

from baozhang.core.forms import StyledFormMixin
from baozhang.orgs.forms import TenantForm
from baozhang.orgs.models import AreaType
from baozhang.standards.models import ItemKind, RedLineRule, Standard

POINTS = {"max_digits": 7, "decimal_places": 1, "min_value": Decimal(0)}


class StandardForm(TenantForm):
    """The standard itself plus the scoring settings of its current version."""

    def clean_scoring_period(self):
        return self.cleaned_data.get("scoring_period") or self.instance.scoring_period

    def clean_period_total(self):
        return self.cleaned_data.get("period_total") or self.instance.period_total

    base_score = forms.DecimalField(label=_("base score"), initial=Decimal(100), **POINTS)
    floor_score = forms.DecimalField(label=_("lowest score"), initial=Decimal(0), **POINTS)
    red_line_rule = forms.ChoiceField(
        label=_("red line rule"), choices=RedLineRule.choices, initial=RedLineRule.FAIL_CHECK
    )
    red_line_score = forms.DecimalField(
        label=_("score after a red line"), initial=Decimal(0), **POINTS
    )

    class Meta:
        model = Standard
        fields = [
            "code",
            "name",
            "description",
            "area_types",
            "scoring_period",
            "period_total",
            "is_active",
        ]
        field_classes = {"area_types": SafeModelMultipleChoiceField}
        widgets = {
            "area_types": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_types"].queryset = AreaType.objects.filter(organisation=self.organisation)
        # Left out of a form (a page made before they existed, a script): kept as they are.
        for name in ("scoring_period", "period_total"):
            self.fields[name].required = False
        if version is not None:
            for name in ("base_score", "floor_score", "red_line_rule", "red_line_score"):
                self.fields[name].initial = getattr(version, name)

    def clean(self):
        data = super().clean()
        base, floor = data.get("base_score"), data.get("floor_score")
        if base is not None and floor is not None and floor > base:
            self.add_error("floor_score", _("The lowest score cannot be above the base score."))
        return data


class ItemForm(StyledFormMixin, forms.Form):
    section = forms.CharField(label=_("section"), max_length=100)
    text = forms.CharField(label=_("item"), max_length=300)
    # The select always sends a kind: a row whose kind is the one it starts with and that has
    # nothing else filled in is an empty row, left out (has_changed), not a row missing its text.
    kind = forms.ChoiceField(label=_("type"), choices=ItemKind.choices, initial=ItemKind.DEDUCTION)
    points = forms.DecimalField(label=_("points"), **POINTS)
    cap = forms.DecimalField(label=_("cap"), required=False, **POINTS)


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        # A line above the table for each incomplete row: the fields' own messages are easy to
        # miss in a long table.
        incomplete = [
            forms.ValidationError(
                _(
                    "Row %(number)s needs a section, an item and points (a number); or tick "
                    "Delete to leave it out."
                ),
                params={"number": number},
            )
            for number, form in enumerate(self.forms, start=1)
            if form.errors and not self._should_delete_form(form)
        ]
        if incomplete:
            raise forms.ValidationError(incomplete)


ItemFormSet = forms.formset_factory(ItemForm, formset=BaseItemFormSet, extra=3, can_delete=True)


class ItemsUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))
