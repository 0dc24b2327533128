"""Pages of notifications: a person's inbox; the admin's robots and the log of every delivery."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baozhang.core.forms import StyledFormMixin
from baozhang.core.pagination import paginate
from baozhang.core.params import id_param
from baozhang.core.xlsx import wants_workbook
from baozhang.notifications import services
from baozhang.notifications.access import access_delivery, access_notification, access_webhook
from baozhang.notifications.models import (
    DeliveryStatus,
    Event,
    Webhook,
)
from baozhang.notifications.workbooks import deliveries_of, inbox_of
from baozhang.orgs.decorators import org_view
from baozhang.orgs.permissions import MANAGE_RECTIFICATION, VIEW_SETUP
from baozhang.orgs.views import list_workbook_response


@org_view(VIEW_SETUP)
def inbox(request, access):
    """The signed-in person's notifications, newest first; opening one marks it read."""
    if request.method == "POST":
        if request.POST.get("all"):
            if access.person is not None:
                services.notifications_read_all(person=access.person)
            return redirect("notifications:inbox", org=access.organisation.slug)
        notification = services.notification_read(
            notification=access_notification(
                access, id_param(request.POST.get("notification")), permission=VIEW_SETUP
            )
        )
        link = notification.link
        if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
            return redirect(link)
        return redirect("notifications:inbox", org=access.organisation.slug)
    if wants_workbook(request):
        return list_workbook_response(request, access, "inbox")
    return render(
        request, "notifications/inbox.html", {"page": paginate(request, inbox_of(access))}
    )


class WebhookForm(StyledFormMixin, forms.ModelForm):
    url = forms.URLField(
        label=gettext_lazy("webhook address"), max_length=500, assume_scheme="https"
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(event.value, event.label) for event in Event if event != Event.TEST],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Webhook
        fields = ["name", "platform", "url", "secret", "events", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("The address must start with https:// or http://."))
        return url


@org_view(MANAGE_RECTIFICATION)
def robots_page(request, access):
    """The organisation's group-chat robots; a new one is added here."""
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hook = form.save(commit=False)
        hook.organisation = access.organisation
        services.webhook_save(webhook=hook)
        messages.success(request, _("The robot is saved."))
        return redirect("notifications:robots", org=access.organisation.slug)
    hooks = Webhook.objects.filter(organisation=access.organisation)
    return render(request, "notifications/robots.html", {"hooks": hooks, "form": form})


@org_view(MANAGE_RECTIFICATION)
def robot_edit(request, access, webhook_id: int):
    hook = access_webhook(access, webhook_id, permission=MANAGE_RECTIFICATION)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "delete":
        services.webhook_delete(webhook=hook)
        messages.success(request, _("The robot is deleted."))
        return redirect("notifications:robots", org=access.organisation.slug)
    if action == "test":
        services.webhook_test(webhook=hook)
        messages.info(request, _("A test message is on its way; its attempts show in the log."))
        return redirect("notifications:deliveries", org=access.organisation.slug)
    form = WebhookForm(request.POST or None, instance=hook)
    if action == "save" and form.is_valid():
        services.webhook_save(webhook=form.save(commit=False))
        messages.success(request, _("The robot is saved."))
        return redirect("notifications:robots", org=access.organisation.slug)
    return render(request, "notifications/robot_edit.html", {"hook": hook, "form": form})


@org_view(MANAGE_RECTIFICATION)
def deliveries(request, access):
    """Every e-mail and robot message with each of its attempts; a failed one can be resent."""
    if request.method == "POST":
        delivery = access_delivery(
            access, id_param(request.POST.get("delivery")), permission=MANAGE_RECTIFICATION
        )
        if delivery.status != DeliveryStatus.FAILED:
            raise Http404
        with transaction.atomic():
            services.retry(delivery)
        messages.info(request, _("Sending again."))
        return redirect("notifications:deliveries", org=access.organisation.slug)
    if wants_workbook(request):
        return list_workbook_response(request, access, "deliveries")
    status = request.GET.get("status", "")
    rows = deliveries_of(organisation=access.organisation, status=status)
    page = paginate(request, rows.prefetch_related("attempt_log"))
    return render(
        request,
        "notifications/deliveries.html",
        {"page": page, "status": status, "statuses": DeliveryStatus.choices},
    )
