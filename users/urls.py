from django.urls import path

from .views import accounts, activation, classes, home, signin

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
]
