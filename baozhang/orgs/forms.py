"""Forms of the set-up pages. Choices of related records come from the open organisation only."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from baozhang.core.forms import DateInput, StyledFormMixin
from baozhang.orgs.models import (
    CODE_TAKEN,
    NAME_TAKEN,
    AreaType,
    Assignment,
    Location,
    Organisation,
    Person,
    Role,
    Site,
    Unit,
)


def errors_to_fields(errors: ValidationError, fields) -> ValidationError:
    """Move "this code is taken" from the whole record to the code (or name) field.

    The uniqueness is a constraint on (organisation, code), so Django files its error under the
    whole record; it belongs to the field the user has to change.
    """
    if not hasattr(errors, "error_dict") or NON_FIELD_ERRORS not in errors.error_dict:
        return errors
    owners = {str(CODE_TAKEN): "code", str(NAME_TAKEN): "name"}
    moved: dict[str, list[ValidationError]] = {}
    for name, messages in errors.error_dict.items():
        for error in messages:
            owner = owners.get(str(error.message)) if name == NON_FIELD_ERRORS else None
            moved.setdefault(owner if owner in fields else name, []).append(error)
    return ValidationError(moved)


class TenantForm(StyledFormMixin, forms.ModelForm):
    """A model form bound to one organisation; related choices are limited to it."""

    scoped_fields: dict[str, type] = {}

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance.organisation = organisation
        for name, model in self.scoped_fields.items():
            self.fields[name].queryset = model.objects.filter(organisation=organisation)

    def _update_errors(self, errors: ValidationError) -> None:
        super()._update_errors(errors_to_fields(errors, self.fields))


class SiteForm(TenantForm):
    class Meta:
        model = Site
        fields = ["code", "name", "address"]


class AreaTypeForm(TenantForm):
    class Meta:
        model = AreaType
        fields = ["code", "name", "sort_order"]


class LocationForm(TenantForm):
    scoped_fields = {"site": Site, "parent": Location, "area_type": AreaType}

    class Meta:
        model = Location
        fields = ["site", "parent", "kind", "code", "name", "area_type", "is_active", "notes"]
        field_classes = {
            "site": SafeModelChoiceField,
            "parent": SafeModelChoiceField,
            "area_type": SafeModelChoiceField,
        }


class UnitForm(TenantForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "is_active"]


class AssignmentForm(TenantForm):
    scoped_fields = {"unit": Unit, "location": Location}

    class Meta:
        model = Assignment
        fields = ["unit", "location", "starts_on", "ends_on"]
        field_classes = {"unit": SafeModelChoiceField, "location": SafeModelChoiceField}
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
        }


class PersonForm(TenantForm):
    scoped_fields = {"unit": Unit}

    username = forms.CharField(
        label=_("login name"),
        max_length=150,
        required=False,
        help_text=_("Leave blank for a person who does not sign in."),
    )
    password = forms.CharField(
        label=_("initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Only for a new login."),
    )
    roles = forms.MultipleChoiceField(
        label=_("roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    unit = SafeModelChoiceField(
        label=_("unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("The unit of a unit head, tradesperson or contractor manager."),
    )

    class Meta:
        model = Person
        fields = ["name", "phone", "email", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = self.instance
        if person.pk:
            memberships = list(person.memberships.all())
            self.initial.setdefault("roles", [m.role for m in memberships])
            unit_ids = [m.unit_id for m in memberships if m.unit_id]
            if unit_ids:
                self.initial.setdefault("unit", unit_ids[0])
            if person.user_id:
                self.initial.setdefault("username", person.user.username)


class OrganisationForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind"]


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))


class PasswordSetForm(StyledFormMixin, forms.Form):
    password = forms.CharField(label=_("new password"), widget=forms.PasswordInput, max_length=128)


class LanguageForm(StyledFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("language"), choices=[])

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("token name"), max_length=100)
