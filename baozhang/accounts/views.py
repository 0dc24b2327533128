"""Sign-in, sign-out, password, language and personal API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baozhang.accounts.services import api_token_create, api_token_revoke, user_language_set
from baozhang.orgs.access import organisations_for_user
from baozhang.orgs.forms import LanguageForm, TokenForm
from baozhang.orgs.invitations import (
    login_invitation_accept,
    login_invitation_decline,
    login_invitation_for_user,
    login_invitations_for_user,
)


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


@login_required
def profile(request):
    tokens = request.user.api_tokens.all()
    context = {
        "language_form": LanguageForm(initial={"language": request.user.language}),
        "token_form": TokenForm(),
        "tokens": tokens,
        "organisations": organisations_for_user(request.user),
        "invitations": login_invitations_for_user(user=request.user),
        "new_token": request.session.pop("new_token", None),
    }
    return render(request, "accounts/profile.html", context)


@require_POST
def set_language(request):
    """Switch the UI language: stored on the user when signed in, in a cookie either way."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_language_set(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    return response


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, raw = api_token_create(user=request.user, name=form.cleaned_data["name"])
        request.session["new_token"] = raw
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request, token_id: int):
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, _("Token revoked."))
    return redirect("accounts:profile")


@login_required
@require_POST
def invitation_answer(request, invitation_id: int):
    """Accept or decline an organisation's invitation to link this login to one of its people."""
    invitation = login_invitation_for_user(user=request.user, invitation_id=invitation_id)
    if invitation is None:
        raise Http404
    organisation = invitation.organisation.name
    if request.POST.get("answer") == "accept":
        try:
            login_invitation_accept(invitation=invitation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("You now sign in to %(organisation)s.") % {"organisation": organisation}
            )
    else:
        login_invitation_decline(invitation=invitation)
        messages.success(request, _("Invitation declined."))
    return redirect("accounts:profile")
