from django.urls import path

from . import views

app_name = "users"
urlpatterns = [
    path("activate/<uidb64>/<token>/", views.StaffActivateView.as_view(), name="activate"),
    path("activate/done/", views.StaffActivatedView.as_view(), name="activated"),
]
