from django.urls import path

from . import views

app_name = "privileges"
urlpatterns = [
    path("me/privileges/", views.my_privileges, name="mine"),
    path("me/events/", views.my_events, name="events"),
    path("me/events/<int:event_id>/sign-up/", views.event_signup, name="event_signup"),
    path(
        "me/events/signups/<int:signup_id>/cancel/",
        views.event_cancel,
        name="event_cancel",
    ),
]
