from django.urls import path

from .views import accounts, connect

app_name = "wizard"
school = "s/<slug:school_slug>/"
urlpatterns = [
    path(f"{school}connect/", connect.ConnectView.as_view(), name="connect"),
    path(f"{school}accounts/add/", accounts.AccountAddView.as_view(), name="account_add"),
    path(
        f"{school}accounts/<int:pk>/archive/",
        accounts.AccountArchiveView.as_view(),
        name="account_archive",
    ),
]
