from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("accounts/register/", views.register, name="register"),
    path("accounts/send-code/", views.send_code, name="send_code"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.password_reset, name="password_reset"),
    path("me/", views.member_home, name="home"),
    path("me/profile/", views.profile, name="profile"),
    path("me/addresses/", views.address_list, name="addresses"),
    path("me/addresses/new/", views.address_edit, name="address_new"),
    path("me/addresses/<int:pk>/edit/", views.address_edit, name="address_edit"),
    path("me/addresses/<int:pk>/delete/", views.address_delete, name="address_delete"),
    path("me/notifications/", views.notification_list, name="notifications"),
    path(
        "me/notifications/<int:pk>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path(
        "me/notifications/read-all/",
        views.notification_read_all,
        name="notifications_read_all",
    ),
    path("me/export/", views.export, name="export"),
    path("me/close/", views.close_account, name="close"),
]
