from django.urls import path

from . import views

app_name = "services"
urlpatterns = [
    path("me/bookings/", views.booking_list, name="booking_list"),
    path("me/bookings/new/", views.booking_new, name="booking_new"),
    path("me/bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("me/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path(
        "me/bookings/<int:pk>/reschedule/",
        views.booking_reschedule,
        name="booking_reschedule",
    ),
    path(
        "me/bookings/<int:pk>/photos/",
        views.booking_photo_add,
        name="booking_photo_add",
    ),
    path("me/bookings/<int:pk>/review/", views.booking_review, name="booking_review"),
    path("me/products/", views.product_list, name="product_list"),
]
