from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.landing, name="landing"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="members/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.member_home, name="home"),
]
