"""Export, edit, import: every kind of workbook that `baozhang import` / `export` know makes the
round trip. An export imported again changes nothing and adds nothing, awkward values included
(text a spreadsheet would take for a formula, people without a login); an edited export updates
the records its rows name. A kind registered later is covered by the same tests."""

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from baozhang.core.transfers import transfers_all
from baozhang.core.xlsx import unneutralise
from baozhang.demo import demo_build
from baozhang.inspections.models import FindingKind, Inspection
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.orgs.models import Location, Organisation, Person, Unit
from baozhang.orgs.services import location_save, person_save, record_save

pytestmark = pytest.mark.django_db

# One edit a person might make in each kind's export: the column, and its new value from the
# row's values by header.
EDITS = {
    "locations": ("名称", lambda row: f"{row['名称']}（改）"),
    "units": ("名称", lambda row: f"{row['名称']}（改）"),
    "responsibilities": ("结束日期", lambda row: row["开始日期"]),  # for one day only
    "people": ("手机", lambda row: "13900000009"),
    "findings": (
        "说明",
        lambda row: "亮点：改过" if str(row["说明"] or "").startswith("亮点") else "改过的说明",
    ),
}


@pytest.fixture
def demo():
    demo_build(history_days=2)
    organisation = Organisation.objects.get(slug="college")
    with scope(organisation=organisation):
        _awkward_records(organisation)
    return organisation


def _awkward_records(organisation):
    """Values an export has to escape, and people only a number tells apart."""
    record_save(record=Unit(organisation=organisation, code="+1", name="=SUM(A1)"), by=None)
    record_save(record=Unit(organisation=organisation, code="@2", name="'+后勤"), by=None)
    room = Location.objects.filter(organisation=organisation, kind="room").first()
    room.notes = "-门后有纸屑"
    location_save(location=room, by=None)
    people = {}
    for name, phone in (
        ("=王五", "+86 13800000005"),
        ("-赵六", "-"),
        ("@钱七", ""),
        ("李雷", "13800000001"),
        ("李雷", "13800000002"),
    ):
        person = Person(organisation=organisation, name=name, phone=phone)
        people[name] = person_save(person=person, roles=[], unit_id=None, by=None)
    check = Inspection.objects.filter(organisation=organisation).first()
    inspection_submit(
        location=check.location,
        version=check.standard_version,
        findings=[
            FindingInput(kind=FindingKind.HIGHLIGHT, note="窗台一尘不染"),
            FindingInput(kind=FindingKind.DEDUCTION, points=Decimal(1), note="-门后有纸屑"),
        ],
        inspector=people["=王五"],
    )


def exported(transfer, organisation) -> bytes:
    buffer = io.BytesIO()
    with scope(organisation=organisation):
        transfer.export_file(organisation=organisation, target=buffer)
    return buffer.getvalue()


def imported(transfer, organisation, content: bytes):
    upload = io.BytesIO(content)
    upload.name = f"{transfer.kind}.xlsx"
    with scope(organisation=organisation):
        return transfer.import_file(organisation=organisation, upload=upload, by=None)


def table(content: bytes) -> list[tuple]:
    """The sheet's rows as a person reads them (without the apostrophes that keep text text)."""
    rows = load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    return [
        tuple(unneutralise(value) if isinstance(value, str) else value for value in row)
        for row in rows
    ]


def database() -> dict[str, list[tuple]]:
    """Every row of every model but the audit trail's, without the moment of the last save."""
    state = {}
    with scopes_disabled():
        for model in apps.get_models():
            if model.__name__.startswith("Historical"):
                continue
            fields = [
                field.attname
                for field in model._meta.concrete_fields
                if not getattr(field, "auto_now", False)
            ]
            state[model._meta.label] = sorted(model._base_manager.values_list(*fields), key=repr)
    return state


def counts() -> dict[str, int]:
    return {label: len(rows) for label, rows in database().items()}


def test_every_kind_imports_its_own_export_without_a_change(demo):
    for transfer in transfers_all():
        content = exported(transfer, demo)
        rows = table(content)
        assert len(rows) > 1, f"{transfer.kind}: the demo has nothing to export"
        before = database()
        result = imported(transfer, demo, content)
        assert (result.created, result.updated) == (0, len(rows) - 1), transfer.kind
        assert database() == before, transfer.kind
        assert table(exported(transfer, demo)) == rows, transfer.kind


def test_the_awkward_values_come_back_as_they_were(demo):
    before = database()
    for transfer in transfers_all():
        imported(transfer, demo, exported(transfer, demo))
    assert database() == before
    with scopes_disabled():
        assert Person.objects.filter(organisation=demo, name="李雷").count() == 2
        assert Person.objects.get(organisation=demo, name="=王五").phone == "+86 13800000005"
        assert Unit.objects.get(organisation=demo, code="@2").name == "'+后勤"


def test_every_kind_updates_the_records_an_edited_export_names(demo):
    assert set(EDITS) == {transfer.kind for transfer in transfers_all()}, (
        "give each kind an edit in EDITS"
    )
    for transfer in transfers_all():
        content = exported(transfer, demo)
        book = load_workbook(io.BytesIO(content))
        sheet = book.active
        headers = [cell.value for cell in sheet[1]]
        header, edit = EDITS[transfer.kind]
        first = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
        sheet.cell(row=2, column=headers.index(header) + 1).value = edit(first)
        edited = io.BytesIO()
        book.save(edited)
        expected = table(content)
        expected[1] = table(edited.getvalue())[1]
        assert expected[1] != table(content)[1], transfer.kind
        before = counts()
        result = imported(transfer, demo, edited.getvalue())
        assert result.created == 0 and result.updated >= 1, transfer.kind
        assert counts() == before, transfer.kind
        after = table(exported(transfer, demo))
        assert sorted(after, key=repr) == sorted(expected, key=repr), transfer.kind
