"""One organisation's records of every kind, added a set at a time, for the query-count tests.

``records_add`` adds one set: set-up records, a standard, a schedule with its expected checks, a
check with findings of every kind and their photos, what became of each problem (a fix on the
spot, tasks open and overdue, submitted after a rejection, closed in time and late, referrals
decided and not), a patrol round, notifications and deliveries with their attempts, robots,
reports with versions, report jobs and schedules, red flags, tokens and invitations. Everything is
dated today, so that the pages' default periods show it. A second set also doubles the children
of the first set's records, the ones the detail pages show (the check's findings, the finding's
photos, the task's steps, the standard's versions and items, the schedule's expected checks, the
person's roles, every record's history), and the report made with it has twice the rows and
versions of the first.
"""

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from django_scopes import scope

from baozhang.accounts.services import api_token_create
from baozhang.core.figures import Scope
from baozhang.core.models import JobStatus
from baozhang.core.periods import month_key, period_parse, period_previous, week_key
from baozhang.inspections.board import board_enable
from baozhang.inspections.models import Finding, FindingPhoto, Inspection, RedFlag, Schedule
from baozhang.inspections.schedules import expected_checks_ensure
from baozhang.inspections.selectors import board_policy
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.notifications.models import Delivery, DeliveryAttempt, Webhook
from baozhang.notifications.services import notify, webhook_save
from baozhang.orgs.access import OrgAccess
from baozhang.orgs.invitations import login_invitation_create
from baozhang.orgs.models import (
    ApiToken,
    AreaType,
    Assignment,
    ExportJob,
    ImportJob,
    Location,
    LoginInvitation,
    Organisation,
    Person,
    Site,
    Unit,
    User,
)
from baozhang.orgs.services import (
    assignment_save,
    location_save,
    organisation_create,
    person_save,
    record_save,
)
from baozhang.rectification import services as rectification
from baozhang.rectification.models import PatrolRound, SpotFix, Task
from baozhang.reports.background import report_job_request
from baozhang.reports.models import Report, ReportJob, ReportSchedule
from baozhang.reports.services import (
    report_create,
    report_finalise,
    report_redraft,
    report_schedule_save,
)
from baozhang.standards.models import Standard
from baozhang.standards.services import ItemInput, standard_save_items
from tests.factories import schedule_created
from tests.test_rectification import access, photo

D = Decimal


@dataclass
class Clock:
    """Moments of today, in order, all past: the findings, then each step of their tasks."""

    now: dt.datetime
    first: dt.datetime = field(init=False)

    def __post_init__(self):
        midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(self.now), dt.time()))
        self.first = max(midnight + dt.timedelta(seconds=1), self.now - dt.timedelta(hours=3))

    def at(self, share: float) -> dt.datetime:
        """The moment ``share`` (0 to 1) of the way from the first moment to now."""
        return self.first + (self.now - self.first) * share


@dataclass
class Records:
    """The records of one set that the pages name by id."""

    site: Site
    area_type: AreaType
    location: Location
    unit: Unit
    assignment: Assignment
    person: Person
    head: Person
    standard: Standard
    schedule: Schedule
    inspection: Inspection
    finding: Finding
    task: Task
    patrol_round: PatrolRound
    webhook: Webhook
    report: Report
    job: ReportJob
    import_job: ImportJob
    export_job: ExportJob
    invitation: LoginInvitation
    token: ApiToken
    spot_fix: SpotFix


ITEMS = [
    ItemInput("地面", "地面有垃圾", "deduction", D(2), cap=D(6)),
    ItemInput("内务", "被褥叠放", "scored", D(5)),
    ItemInput("加分", "打扫阶梯教室", "bonus", D(10)),
    ItemInput("红线", "使用违章电器", "red_line", D(20)),
]


def _setup(organisation: Organisation, admin: User, n: int) -> dict:
    """A site, an area type, a building with a room, two units, the room's holder, an inspector
    and the unit's head with logins, a person invited to the admin's login, a robot."""
    site = record_save(
        record=Site(organisation=organisation, code=f"S{n}", name=f"校区{n}"), by=admin
    )
    area_type = record_save(
        record=AreaType(organisation=organisation, code=f"A{n}", name=f"区域{n}", sort_order=n),
        by=admin,
    )
    building = location_save(
        location=Location(
            organisation=organisation, site=site, code=f"B{n}", name=f"楼{n}", kind="building"
        ),
        by=admin,
    )
    room = location_save(
        location=Location(
            organisation=organisation,
            site=site,
            parent=building,
            code=f"R{n}",
            name=f"房间{n}",
            area_type=area_type,
        ),
        by=admin,
    )
    unit = record_save(
        record=Unit(organisation=organisation, code=f"U{n}", name=f"{n}班", kind="class"), by=admin
    )
    team = record_save(
        record=Unit(organisation=organisation, code=f"T{n}", name=f"班组{n}", kind="trade_team"),
        by=admin,
    )
    assignment = assignment_save(
        assignment=Assignment(
            organisation=organisation,
            unit=unit,
            location=room,
            starts_on=timezone.localdate() - dt.timedelta(days=60),
        ),
        by=admin,
    )

    def person(name, role, unit_id=None, username="", email=""):
        return person_save(
            person=Person(organisation=organisation, name=name, email=email),
            roles=[role],
            unit_id=unit_id,
            username=username,
            password="correct-horse-42" if username else "",
            by=admin,
        )

    inspector = person(
        f"检查员{n}", "inspector", username=f"inspector{n}", email=f"inspector{n}@example.invalid"
    )
    head = person(f"班主任{n}", "unit_head", unit_id=unit.pk, username=f"head{n}")
    invited = person(f"待关联{n}", "viewer")
    # Another organisation of the admin's: the home page and the API list each one.
    elsewhere = organisation_create(slug=f"elsewhere{n}", name=f"另一单位{n}", by=admin)
    with scope(organisation=elsewhere):
        person_save(
            person=Person(organisation=elsewhere, user=admin, name=admin.username),
            roles=["viewer"],
            unit_id=None,
            by=admin,
        )
    login_invitation_create(person=invited, user=admin, by=admin)
    webhook = webhook_save(
        webhook=Webhook(
            organisation=organisation,
            name=f"机器人{n}",
            platform="wecom",
            url=f"https://robot.invalid/{n}",
            events=["digest", "escalated"],
        )
    )
    return {
        "site": site,
        "area_type": area_type,
        "location": room,
        "unit": unit,
        "team": team,
        "assignment": assignment,
        "person": inspector,
        "head": head,
        "invitation": invited.login_invitations.get(),
        "webhook": webhook,
    }


def _standard(organisation, admin, n: int, area_type) -> Standard:
    standard = record_save(
        record=Standard(organisation=organisation, code=f"ST{n}", name=f"标准{n}"), by=admin
    )
    standard.area_types.add(area_type)
    items = [*ITEMS[:-1], replace(ITEMS[-1], area_type_ids=(area_type.pk,))]
    standard_save_items(standard=standard, items=items, by=admin)
    return standard


def _schedule(organisation, admin, n: int, made: dict, standard) -> Schedule:
    """Two checks a day at the room: one at the first minute (missed), one at the last (to come)."""
    schedule = record_save(
        record=Schedule(
            organisation=organisation,
            name=f"计划{n}",
            standard=standard,
            kind="daily",
            times=["00:00", "23:59"],
            window_minutes=1,
            team=made["team"],
            starts_on=timezone.localdate() - dt.timedelta(days=1),
        ),
        by=admin,
    )
    schedule.locations.add(made["location"])
    schedule.area_types.add(made["area_type"])
    schedule.assignees.add(made["person"])
    _schedule_plan(schedule)
    return schedule


def _schedule_plan(schedule: Schedule) -> None:
    today = timezone.localdate()
    yesterday = dt.datetime.combine(today - dt.timedelta(days=1), dt.time.min)
    schedule_created(schedule, timezone.make_aware(yesterday))
    expected_checks_ensure(
        schedule=schedule, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1)
    )


def _findings(items) -> list[FindingInput]:
    """One finding of every kind, photographed where a phone would."""
    by_kind = {item.kind: item for item in items}
    return [
        FindingInput(item_id=by_kind["deduction"].pk, note="门后", photos=[photo()]),
        FindingInput(item_id=by_kind["scored"].pk, points=D(3), photos=[photo(), photo()]),
        FindingInput(item_id=by_kind["red_line"].pk, note="热得快"),
        FindingInput(item_id=by_kind["deduction"].pk, note="床下"),
        FindingInput(item_id=by_kind["deduction"].pk, note="窗台", photos=[photo()]),
        FindingInput(item_id=by_kind["deduction"].pk, note="墙皮脱落"),
        FindingInput(item_id=by_kind["bonus"].pk),
        FindingInput(kind="highlight", note="窗明几净", photos=[photo()]),
    ]


def _copies(inspection: Inspection) -> list[Finding]:
    """The check's findings once more, with their photos (a second set's share of a check)."""
    copies = []
    for finding in inspection.findings.order_by("id"):
        photos = list(finding.photos.all())
        finding.pk = None
        finding._state.adding = True
        finding.save()
        for _photo in photos:
            FindingPhoto.objects.create(
                organisation_id=finding.organisation_id, finding=finding, image=photo()
            )
        copies.append(finding)
    return copies


def _dispose(findings: list[Finding], people: dict, clock: Clock) -> tuple[Task, SpotFix]:
    """What became of the problems: (task, spot fix) of the one with the richest life.

    Open and overdue; submitted after a rejection; referred, decided and closed in time; closed
    late; fixed on the spot; referred and waiting for the meeting. Bonus and highlight: nothing."""
    admin, inspector, head = people["admin"], people["inspector"], people["head"]
    overdue, rejected, decided, late, spot, waiting = findings[:6]
    rectification.task_open(
        access=inspector,
        finding=overdue,
        severity="urgent",
        deadline=clock.at(0.3),
        assignee=admin.person,
        now=clock.at(0.2),
    )
    task = rectification.task_open(
        access=inspector, finding=rejected, assignee=admin.person, now=clock.at(0.2)
    )
    rectification.task_submit(
        access=head, task=task, note="已整改", photo=photo(), now=clock.at(0.3)
    )
    rectification.task_reject(access=admin, task=task, reason="仍有纸屑", now=clock.at(0.4))
    rectification.task_submit(access=head, task=task, note="已重新整改", now=clock.at(0.5))
    referral = rectification.referral_create(
        access=inspector, finding=decided, reason="需维修经费", now=clock.at(0.2)
    )
    closed = rectification.referral_decide(
        access=admin,
        referral=referral,
        decision="由总务处维修",
        unit=decided.unit,
        deadline=timezone.now() + dt.timedelta(days=7),
        now=clock.at(0.3),
    )
    rectification.task_submit(access=head, task=closed, photo=photo(), now=clock.at(0.4))
    rectification.task_verify(access=admin, task=closed, note="已复查", now=clock.at(0.5))
    slow = rectification.task_open(
        access=inspector, finding=late, deadline=clock.at(0.3), now=clock.at(0.2)
    )
    rectification.task_submit(access=head, task=slow, note="已整改", now=clock.at(0.4))
    rectification.task_verify(access=admin, task=slow, now=clock.at(0.5))
    fix = rectification.spot_fix_record(
        access=inspector, finding=spot, fixed_by="宿舍长", photo=photo(), at=clock.at(0.2)
    )
    rectification.referral_create(access=inspector, finding=waiting, now=clock.at(0.2))
    return task, fix


def _task_again(task: Task, people: dict, clock: Clock) -> None:
    """Two more rounds of rejection and resubmission: the task's life twice as long."""
    for _round in range(2):
        rectification.task_reject(
            access=people["admin"], task=task, reason="不彻底", now=clock.at(0.6)
        )
        rectification.task_submit(
            access=people["head"], task=task, note="再次整改", photo=photo(), now=clock.at(0.7)
        )


def _messages(organisation, admin: User, n: int) -> None:
    """The admin's inbox and the robots' deliveries, one failed attempt and one sent each."""
    notify(
        organisation=organisation,
        event="digest",
        title=f"每日汇总{n}",
        body="今日待办",
        link=f"/o/{organisation.slug}/rectification/",
        people=[Person.objects.get(organisation=organisation, user=admin)],
    )
    for delivery in Delivery.objects.filter(organisation=organisation, attempts=0):
        for number, ok in ((1, False), (2, True)):
            DeliveryAttempt.objects.create(
                delivery=delivery,
                number=number,
                at=timezone.now(),
                ok=ok,
                status_code=200 if ok else 500,
                response="{}",
                error="" if ok else "timeout",
                duration_ms=120,
            )
        delivery.attempts, delivery.status = 2, "sent"
        delivery.sent_at = timezone.now()
        delivery.save()


def _reports(organisation, admin_access: OrgAccess, made: dict, n: int) -> tuple[Report, ReportJob]:
    """This week's bulletin with a final and a draft version (twice as many for the second set),
    last week's and a job of each state, and a schedule."""
    scope_all = Scope(organisation=organisation)
    week = period_parse(week_key(timezone.localdate()))
    report = report_create(kind="weekly", scope=scope_all, period=week, by=admin_access.user)
    for _version in range(2 * n + 1):
        report_finalise(access=admin_access, version=report.versions.order_by("number").last())
        report_redraft(access=admin_access, report=report)
    report_create(
        kind="weekly",
        scope=Scope(organisation=organisation, unit=made["unit"]),
        period=period_previous(week),
        by=admin_access.user,
    )
    jobs = [
        report_job_request(access=admin_access, kind="weekly", scope=scope_all, period=week)
        for _status in JobStatus
    ]
    for job, status in zip(jobs, JobStatus, strict=True):
        job.status = status
        job.report = report if status == JobStatus.DONE else None
        job.save()
    report_schedule_save(
        schedule=ReportSchedule(organisation=organisation, kind="weekly", hour=8),
        recipients=[made["person"], made["head"]],
    )
    return report, jobs[0]


def _import_jobs(organisation, admin: User, n: int, first: Records | None) -> ImportJob:
    """An import job of each state, the refused one with its problems; the second set doubles the
    problems of the first set's refused job."""
    jobs = [
        ImportJob.objects.create(
            organisation=organisation,
            kind="findings",
            file_name=f"检查记录{n}.xlsx",
            file_size=1000,
            requested_by=admin,
            language="zh-hans",
            status=status,
        )
        for status in JobStatus
    ]
    refused = next(job for job in jobs if job.status == JobStatus.FAILED)
    for job in [refused] if first is None else [refused, first.import_job]:
        job.row_errors += [
            {
                "row": row,
                "column": "位置",
                "message": f"没有编码为“X{row}”的位置",
                "text": f"第 {row} 行，“位置”列：没有编码为“X{row}”的位置",
            }
            for row in range(2, 5)
        ]
        job.row_errors_total = len(job.row_errors)
        job.save()
    return refused


def _export_jobs(organisation, admin: User, n: int) -> ExportJob:
    """An export job of each state; the done one keeps its file, which its page links to."""
    jobs = [
        ExportJob.objects.create(
            organisation=organisation,
            kind="findings",
            params={"period": month_key(timezone.localdate())},
            file_name=f"检查记录{n}.xlsx",
            requested_by=admin,
            language="zh-hans",
            status=status,
            rows=3 if status == JobStatus.DONE else 0,
            expires_at=timezone.now() + dt.timedelta(hours=24),
        )
        for status in JobStatus
    ]
    done = next(job for job in jobs if job.status == JobStatus.DONE)
    done.file.save(f"exports/{done.key}.xlsx", ContentFile(b"PK"))
    return done


def records_add(
    organisation: Organisation, admin: User, *, first: Records | None = None
) -> Records:
    """Add one set of records of every kind; with ``first``, also double its records' children."""
    n = 1 if first is not None else 0
    clock, today = Clock(timezone.now()), timezone.localdate()
    with scope(organisation=organisation):
        if first is None:
            board_enable(policy=board_policy(organisation=organisation), enabled=True)
        made = _setup(organisation, admin, n)
        standard = _standard(organisation, admin, n, made["area_type"])
        schedule = _schedule(organisation, admin, n, made, standard)
        people = {
            "admin": access(admin, organisation),
            "inspector": access(made["person"].user, organisation),
            "head": access(made["head"].user, organisation),
        }
        inspection, _created = inspection_submit(
            location=made["location"],
            version=standard.versions.get(),
            findings=_findings(standard.versions.get().items.all()),
            done_at=clock.at(0.1),
            inspector=made["person"],
            submitted_by=made["person"].user,
            schedule=schedule,
        )
        findings = list(inspection.findings.order_by("id"))
        task, fix = _dispose(findings, people, clock)
        patrol = rectification.patrol_round_create(
            organisation=organisation,
            title=f"专项巡查{n}",
            date=today,
            leader=made["person"],
            members=[made["head"]],
            area_types=[made["area_type"]],
            locations=[made["location"]],
        )
        patrol.checks.add(inspection, through_defaults={"organisation": organisation})
        for week in (week_key(today), week_key(today - dt.timedelta(7))):
            for area_type in (None, made["area_type"]):
                RedFlag.objects.create(
                    organisation=organisation,
                    unit=made["unit"],
                    week_key=week,
                    area_type=area_type,
                    rank=1,
                    score=D(98),
                )
        if first is not None:
            _double_children(organisation, admin, first, made, people, clock)
        rectification.deadlines_process(organisation=organisation, now=timezone.now())
        _messages(organisation, admin, n)
        report, job = _reports(organisation, people["admin"], made, n)
        import_job = _import_jobs(organisation, admin, n, first)
        export_job = _export_jobs(organisation, admin, n)
        token, _raw = api_token_create(user=admin, name=f"令牌{n}")
    made.update(
        standard=standard,
        schedule=schedule,
        inspection=inspection,
        finding=task.finding,
        task=task,
        patrol_round=patrol,
        report=report,
        job=job,
        import_job=import_job,
        export_job=export_job,
        token=token,
        spot_fix=fix,
    )
    return Records(**{each.name: made[each.name] for each in fields(Records)})


def _double_children(organisation, admin, first: Records, made: dict, people, clock) -> None:
    """Twice the children of the first set's records: what their detail pages show."""
    copies = _copies(first.inspection)
    first_people = {
        **people,
        "inspector": access(first.person.user, organisation),
        "head": access(first.head.user, organisation),
    }
    _dispose(copies, first_people, clock)
    again, _created = inspection_submit(
        location=first.location,
        version=first.inspection.standard_version,
        findings=[],
        done_at=clock.at(0.1),
        inspector=first.person,
    )
    first.patrol_round.checks.add(again, through_defaults={"organisation": organisation})
    FindingPhoto.objects.create(organisation=organisation, finding=first.finding, image=photo())
    _task_again(first.task, first_people, clock)
    items = [
        ItemInput(item.section, f"{item.text}（二）", item.kind, item.points, item.cap)
        for item in first.standard.versions.get().items.all()
    ]
    items = [*ITEMS, *items]
    standard_save_items(standard=first.standard, items=items, by=admin)
    first.schedule.locations.add(made["location"])
    first.schedule.assignees.add(made["person"])
    _schedule_plan(first.schedule)
    person_save(
        person=first.person,
        roles=["inspector", "patrol_leader"],
        unit_id=None,
        by=admin,
    )
    for record in (first.site, first.area_type, first.unit, first.standard):
        record.name += "（改）"
        record_save(record=record, by=admin)
    first.location.notes = "已改"
    location_save(location=first.location, by=admin)
    first.assignment.ends_on = timezone.localdate() + dt.timedelta(days=365)
    assignment_save(assignment=first.assignment, by=admin)
