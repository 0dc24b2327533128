"""Sets up what the full-stack benches need on the data set's first organisation (an admin who
signs in with a password, an API token, the public board, a final weekly report whose PDF is
kept), serves the product and runs bench/stack.py's cases, then the figures (bench/figures.py)."""

from __future__ import annotations

from django.db import transaction
from django_scopes import scope, scopes_disabled

PASSWORD = "bench-admin-password-1"  # noqa: S105 - a benchmark's own user on a loopback server
WEEK = "2026-W24"
MONTH = "2026-06"
YEAR = "2026"
REPORT_WEEK = "2026-W11"


def prepare(organisation) -> dict:
    from baozhang.accounts.services import api_token_create
    from baozhang.core.figures import Scope
    from baozhang.core.periods import period_parse
    from baozhang.inspections.board import board_enable
    from baozhang.inspections.selectors import board_policy
    from baozhang.orgs.access import access_organisation
    from baozhang.orgs.models import Membership, Person, Role, User
    from baozhang.reports.models import Report
    from baozhang.reports.services import report_create, report_finalise
    from baozhang.standards.models import StandardVersion

    with scopes_disabled(), transaction.atomic():
        # Red lines of both rules are measured: a red line fails its check (the check's score),
        # and this organisation's standard also holds a unit's period score at 60 after one.
        StandardVersion.objects.filter(organisation=organisation).update(
            red_line_rule="period_floor", red_line_score=60
        )
        user, _created = User.objects.get_or_create(username="bench-admin")
        user.set_password(PASSWORD)
        user.save()
        person, _created = Person.objects.get_or_create(
            organisation=organisation, user=user, defaults={"name": "管理员"}
        )
        Membership.objects.get_or_create(organisation=organisation, person=person, role=Role.ADMIN)
        policy = board_policy(organisation=organisation)
        if not policy.board_enabled:
            policy = board_enable(policy=policy, enabled=True)
    _token, raw = api_token_create(user=user, name="bench")
    access = access_organisation(user=user, slug=organisation.slug, permission="reports.write")
    with scope(organisation=organisation):
        # Made anew for this data set: a report kept from another size would show its numbers.
        Report.objects.filter(organisation=organisation).delete()
        week = period_parse(REPORT_WEEK)
        made = report_create(kind="weekly", scope=Scope(organisation=organisation), period=week)
        version = report_finalise(access=access, version=made.versions.get())
        draft = report_create(
            kind="weekly", scope=Scope(organisation=organisation), period=week, by=user
        ).versions.get()
    return {
        "user": user.username,
        "token": raw,
        "board": policy.board_token,
        "version": (version.report_id, version.number, version.pk),
        "draft": draft.report_id,
    }


def deep_page(organisation) -> int:
    """The last page of the month's findings list: the deepest a person can go."""
    from django.conf import settings

    from baozhang.core.periods import period_parse
    from baozhang.inspections.models import Finding

    first, after = period_parse(MONTH).moments()
    with scopes_disabled():
        total = Finding.objects.filter(
            organisation=organisation, observed_at__gte=first, observed_at__lt=after
        ).count()
    return max(1, (total + settings.PAGE_SIZE - 1) // settings.PAGE_SIZE)


def full_measure(env: dict, organisation, rounds: int, only: str = "") -> dict:
    from django.conf import settings

    from bench import stack
    from bench.server import served, signed_in, with_token

    made = prepare(organisation)
    language = settings.LANGUAGE_CODE
    listed = stack.cases(
        organisation.slug,
        month=MONTH,
        week=WEEK,
        year=YEAR,
        deep_page=deep_page(organisation),
        version=made["version"],
        language=language,
    )
    listed.append(
        stack.Case(
            "f",
            "Word document of a weekly report (a draft: made on request)",
            f"/o/{organisation.slug}/reports/{made['draft']}/v1.docx",
            f"/bench/report-docx/{organisation.slug}/?period={REPORT_WEEK}",
            "page",
            stack.same_docx,
            1.5,
        )  # fmt: skip
    )
    listed.append(
        stack.Case(
            "l",
            "public notice board",
            f"/board/{made['board']}/",
            f"/bench/board/{organisation.slug}/",
            "public",
            stack.same_board,
            2,
        )  # fmt: skip
    )
    results = {}
    with served(env) as base:
        sessions = {
            "page": signed_in(base, made["user"], PASSWORD),
            "api": with_token(made["token"]),
            "public": with_token(""),
        }
        sessions["public"].headers.pop("Authorization")
        for case in listed:
            if only and case.key not in only.split(","):
                continue
            results[case.key] = stack.measure(case, base, sessions, rounds=rounds)
        if not only or "g" in only.split(","):
            from bench.jobs import export_measure
            from bench.run import OUT

            results["g"] = export_measure(
                env,
                base,
                sessions["page"],
                organisation.slug,
                YEAR,
                OUT,
                rounds=max(3, rounds // 3),
            )
        if not only or "e" in only.split(","):
            from bench.jobs import report_measure
            from bench.run import OUT

            results["e"] = report_measure(
                env, base, sessions, organisation, REPORT_WEEK, OUT, rounds=max(3, rounds // 3)
            )
    return results
