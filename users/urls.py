from django.urls import path

from .views import accounts, activation, cards, classes, home, signin, teachers

app_name = "users"
school = "s/<slug:school_slug>/"
urlpatterns = [
    path("activate/<uidb64>/<token>/", activation.StaffActivateView.as_view(), name="activate"),
    path("activate/done/", activation.StaffActivatedView.as_view(), name="activated"),
    path(school, signin.SignInView.as_view(), name="sign_in"),
    path(f"{school}sign-out/", signin.SignOutView.as_view(), name="sign_out"),
    path(f"{school}users/", classes.ManageUsersView.as_view(), name="manage"),
    path(f"{school}classes/<int:pk>/", classes.ClassDetailView.as_view(), name="class"),
    path(f"{school}accounts/", accounts.AccountListView.as_view(), name="accounts"),
    path(f"{school}accounts/<int:pk>/", accounts.AccountDetailView.as_view(), name="account"),
    path(
        f"{school}accounts/<int:pk>/reactivate/",
        accounts.AccountReactivateView.as_view(),
        name="account_reactivate",
    ),
    path(f"{school}home/", home.HomeView.as_view(), name="home"),
    path(f"{school}accounts/<int:pk>/unlock/", home.UnlockView.as_view(), name="account_unlock"),
    # Login cards, teachers' pages, staff activation and forgotten passwords (issue 9).
    path(f"{school}classes/<int:pk>/cards.pdf", cards.ClassCardsView.as_view(), name="class_cards"),
    path(
        f"{school}accounts/<int:pk>/card.pdf", cards.AccountCardView.as_view(), name="account_card"
    ),
    path(f"{school}my-classes/", teachers.MyClassesView.as_view(), name="my_classes"),
    path(f"{school}my-classes/<int:pk>/", teachers.MyClassView.as_view(), name="my_class"),
    path(
        "activate/<uidb64>/<token>/new-link/",
        activation.ActivationRenewView.as_view(),
        name="activation_renew",
    ),
    path(
        f"{school}staff/not-activated/",
        activation.StaffNotActivatedView.as_view(),
        name="staff_not_activated",
    ),
    path(
        f"{school}staff/not-activated/send/",
        activation.ActivationResendView.as_view(),
        name="activation_resend",
    ),
    path(
        f"{school}forgotten-password/",
        activation.ForgottenPasswordView.as_view(),
        name="forgotten_password",
    ),
    path(
        f"{school}forgotten-password/sent/",
        activation.ForgottenPasswordSentView.as_view(),
        name="forgotten_password_sent",
    ),
]
