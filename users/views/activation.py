from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class StaffActivateView(auth_views.PasswordResetConfirmView):
    """The page an activation link opens: the member of staff sets their password."""

    template_name = "users/activate.html"
    success_url = reverse_lazy("users:activated")
    post_reset_login = False


class StaffActivatedView(auth_views.PasswordResetCompleteView):
    template_name = "users/activated.html"
