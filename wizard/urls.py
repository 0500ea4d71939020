from django.urls import path

from .views import accounts, cards, connect, match, passwords, runs, steps

app_name = "wizard"
school = "s/<slug:school_slug>/"
run = f"{school}sync/<int:run_id>/"
sync_wizard = steps.SyncWizard.as_view(url_name="wizard:step", done_step_name="finish")
urlpatterns = [
    path(f"{school}sync/", runs.StartView.as_view(), name="start"),
    path(f"{school}sync/history/", runs.HistoryView.as_view(), name="history"),
    path(run, runs.RunView.as_view(), name="run"),
    path(f"{run}progress/", runs.RunProgressView.as_view(), name="progress"),
    path(f"{run}changes/", runs.RunChangesView.as_view(), name="changes"),
    path(f"{run}undo/", runs.UndoView.as_view(), name="undo"),
    path(f"{run}steps/<str:step>/", sync_wizard, name="step"),
    path(f"{run}match/<str:role>/<path:mis_id>", match.MatchView.as_view(), name="match"),
    path(f"{school}connect/", connect.ConnectView.as_view(), name="connect"),
    path(
        "groupcall/callback/<int:invitation_id>/<str:token>/",
        connect.GroupcallCallbackView.as_view(),
        name="groupcall_callback",
    ),
    path(f"{school}accounts/add/", accounts.AccountAddView.as_view(), name="account_add"),
    path(
        f"{school}accounts/<int:pk>/archive/",
        accounts.AccountArchiveView.as_view(),
        name="account_archive",
    ),
    path(f"{run}cards.pdf", cards.RunCardsView.as_view(), name="run_cards"),
    path(
        f"{school}accounts/<int:pk>/new-password/",
        passwords.PupilPasswordResetView.as_view(),
        name="pupil_password_reset",
    ),
    path(
        f"{school}accounts/<int:pk>/new-password/done/",
        passwords.PupilPasswordResetDoneView.as_view(),
        name="pupil_password_reset_done",
    ),
    path(
        f"{school}classes/<int:pk>/new-passwords/",
        passwords.ClassPasswordResetView.as_view(),
        name="class_password_reset",
    ),
]
