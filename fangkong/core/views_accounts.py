"""Account pages for the command post (issue 10 §2): the list, one new account, a pasted list,
an account's roles and switches, the printable slips, and the person's own first password.
core/accounts.py decides who may do what; these views only find, call and render."""

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import accounts
from . import setup_actions as acts
from .actions import NotAllowed, allowed
from .errors import ServiceError
from .forms_setup import AccountForm, OwnPasswordForm, PasteForm, ReasonForm
from .models import AccountProfile, RoleAssignment
from .views_places import managed_community

SLIPS_KEY = "fangkong_new_slips"


def _refuse(error):
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)


def _keep_slips(request, community, new_accounts):
    """The one-time passwords live in the session until the slips page shows them once."""
    request.session[SLIPS_KEY] = {"community": community.pk, "slips": [
        {"username": a.user.username, "name": a.user.first_name, "password": a.password,
         "role": str(a.role.label) if a.role else "", "scope": a.scope,
         "link": accounts.sign_in_link_path(a.user)} for a in new_accounts]}


@login_required
def account_list(request):
    community = managed_community(request)
    try:
        users = accounts.list_accounts(request.user, community)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    return render(request, "core/account_list.html", {
        "community": community, "users": users,
        "communities": accounts.manageable_communities(request.user).order_by("name")})


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request):
    community = managed_community(request)
    include_admin = allowed(request.user, acts.ACCOUNT_GRANT_DISTRICT_ADMIN, community)
    form = AccountForm(request.POST or None, community=community, include_district_admin=include_admin,
                       initial={"role": request.GET.get("role", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = accounts.create_account(request.user, community, full_name=data["full_name"], role=data["role"],
                                          phone=data["phone"], organisation=data["organisation"],
                                          username=data["username"], grids=data["grids"],
                                          buildings=data["buildings"])
        except ServiceError as error:
            _refuse(error)
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            _keep_slips(request, community, [new])
            messages.success(request, _("Account %(name)s created.") % {"name": new.user.username})
            return redirect("account_slips")
    return render(request, "core/account_form.html", {"form": form, "community": community},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def account_paste(request):
    community = managed_community(request)
    form = PasteForm(request.POST or None)
    rows = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["rows"]
        try:
            if "create" in request.POST:
                rows = accounts.create_from_paste(request.user, community, text)
            else:
                if not allowed(request.user, acts.ACCOUNT_CREATE, community):
                    raise NotAllowed(acts.ACCOUNT_CREATE.message, acts.ACCOUNT_CREATE)
                rows = accounts.parse_paste(community, text)
        except ServiceError as error:
            _refuse(error)
            form.add_error("rows", error.message)
        else:
            created = [row.account for row in rows if row.account]
            if created:
                _keep_slips(request, community, created)
                failed = [row for row in rows if not row.ok]
                messages.success(request, _("%(n)d accounts created.") % {"n": len(created)})
                if failed:
                    messages.warning(request, _("%(n)d rows were not taken: fix them and paste them again.")
                                     % {"n": len(failed)})
                    request.session["fangkong_paste_failed"] = [
                        {"line": r.line, "name": r.full_name, "errors": r.errors} for r in failed]
                return redirect("account_slips")
    return render(request, "core/account_paste.html", {
        "form": form, "community": community, "rows": rows,
        "n_ok": sum(1 for r in rows or [] if r.ok), "n_bad": sum(1 for r in rows or [] if not r.ok)})


@never_cache
@login_required
def account_slips(request):
    """Each new account's one-time password with a QR code to the sign-in page: shown once
    (the passwords leave the session as the page is drawn), to be printed and handed out."""
    kept = request.session.pop(SLIPS_KEY, None)
    failed = request.session.pop("fangkong_paste_failed", [])
    if not kept:
        return render(request, "core/account_slips.html", {"slips": [], "failed": failed})
    community = managed_community(request, kept["community"])
    login_url = request.build_absolute_uri(reverse("login"))
    for slip in kept["slips"]:
        # The QR code is the one-time sign-in link (valid SIGN_IN_LINK_HOURS); the user name and
        # password below it are the way in once the link is used or expired.
        if slip.get("link"):
            slip["link"] = request.build_absolute_uri(slip["link"])
        slip["qr"] = segno.make(slip.get("link") or f"{login_url}?username={slip['username']}",
                                error="m").svg_data_uri(scale=3)
    return render(request, "core/account_slips.html", {"slips": kept["slips"], "community": community,
                                                       "login_url": login_url, "failed": failed,
                                                       "link_hours": accounts.SIGN_IN_LINK_HOURS})


def _account(request, pk):
    community = managed_community(request)
    try:
        user = accounts.account_in(request.user, community, pk)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except User.DoesNotExist:
        raise Http404 from None
    return community, user


@login_required
@require_http_methods(["GET", "POST"])
def account_detail(request, pk):
    community, user = _account(request, pk)
    include_admin = allowed(request.user, acts.ACCOUNT_GRANT_DISTRICT_ADMIN, community)
    form = AccountForm(request.POST or None, community=community, include_district_admin=include_admin,
                       scope_only=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.assign_role(request.user, user, community, data["role"], data["grids"], data["buildings"])
        except ServiceError as error:
            _refuse(error)
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Roles of %(name)s saved.") % {"name": user.username})
            return redirect(reverse("account_detail", args=[user.pk]) + f"?community={community.pk}")
    assignments = (RoleAssignment.objects.filter(user=user, community=community)
                   .prefetch_related("grids", "buildings__estate", "entrances__building__estate"))
    profile = AccountProfile.objects.filter(user=user).first()
    return render(request, "core/account_detail.html", {
        "community": community, "account": user, "profile": profile, "assignments": assignments, "form": form,
        "can_reveal": user.has_perm("core.reveal_personal_data"),
        "is_locked": user.username in accounts.locked_usernames([user.username]),
        "reason_form": ReasonForm()}, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def account_action(request, pk, what):
    """The account's switches: reset the password, deactivate, reactivate, unlock, grant or
    withdraw the reveal permission, remove a role."""
    community, user = _account(request, pk)
    reason = request.POST.get("reason", "")
    back = reverse("account_detail", args=[user.pk]) + f"?community={community.pk}"
    try:
        if what == "reset":
            _keep_slips(request, community, [accounts.NewAccount(
                user, accounts.reset_password(request.user, user, community), "", "")])
            return redirect("account_slips")
        if what == "reactivate":
            _keep_slips(request, community, [accounts.NewAccount(
                user, accounts.reactivate(request.user, user, community), "", "")])
            return redirect("account_slips")
        if what == "deactivate":
            accounts.deactivate(request.user, user, community, reason)
            messages.success(request, _("%(name)s can no longer sign in; their sessions and API token are gone.")
                             % {"name": user.username})
        elif what == "unlock":
            accounts.unlock(request.user, user, community)
            messages.success(request, _("%(name)s may sign in again.") % {"name": user.username})
        elif what in ("grant_reveal", "withdraw_reveal"):
            accounts.set_reveal(request.user, user, community, what == "grant_reveal", reason)
            messages.success(request, _("Saved."))
        elif what == "remove_role":
            assignment = get_object_or_404(RoleAssignment, pk=request.POST.get("assignment"), user=user,
                                           community=community)
            accounts.remove_role(request.user, assignment)
            messages.success(request, _("Saved."))
        else:
            raise Http404
    except ServiceError as error:
        _refuse(error)
        messages.error(request, error.message)
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def own_password(request):
    """The person chooses their own password: at first sign-in, and after a reset."""
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.set_own_password(request.user, form.cleaned_data["password"], form.cleaned_data["password2"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            update_session_auth_hash(request, request.user)
            request.session.pop(accounts.SESSION_FLAG, None)
            messages.success(request, _("Your password is saved."))
            return redirect("home")
    return render(request, "core/own_password.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def login_link(request, uidb64, token):
    """The one-time sign-in link from the slip's QR code. Opening it shows a button (a phone's
    link preview must not use it up); pressing it signs in, once, and leads to choosing one's
    own password. A used, expired or switched-off link says so and points to the password."""
    if request.method == "POST":
        if request.user.is_authenticated:
            from django.contrib.auth import logout

            logout(request)
        user = accounts.sign_in_by_link(request, uidb64, token)
        if user is not None:
            return redirect("own_password" if request.session.get(accounts.SESSION_FLAG) else "home")
    else:
        user = accounts.account_for_link(uidb64, token)
        if user is not None:
            return render(request, "core/login_link.html", {"account": user})
    return render(request, "core/login_link.html", {"refused": True}, status=410)


class LoginView(auth_views.LoginView):
    """Django's sign-in, with the user name filled in from the slip's QR code."""

    redirect_authenticated_user = True

    def get_initial(self):
        return {"username": self.request.GET.get("username", "")[:150]}


@receiver(user_logged_in)
def _remember_first_sign_in(sender, request, user, **kwargs):
    if request is not None and AccountProfile.objects.filter(user=user, must_set_password=True).exists():
        request.session[accounts.SESSION_FLAG] = True


class FirstSignInMiddleware:
    """Until the person has chosen their own password, every page leads to the page where they
    do (the flag is in the session, set at sign-in: no query on other requests)."""

    ALLOWED = ("/accounts/password/", "/accounts/logout/", "/accounts/link/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (session is not None and session.get(accounts.SESSION_FLAG)
                and not request.path.startswith(self.ALLOWED)):
            return redirect("own_password")
        return self.get_response(request)
