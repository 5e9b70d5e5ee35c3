from django.urls import path

from . import views

app_name = "rewards"
urlpatterns = [
    path("rewards/", views.catalogue, name="catalogue"),
    path("rewards/<int:pk>/", views.item_detail, name="item"),
    path("me/redemptions/", views.my_redemptions, name="my_redemptions"),
    path(
        "me/redemptions/<int:pk>/cancel/",
        views.redemption_cancel_view,
        name="redemption_cancel",
    ),
    path("me/vouchers/", views.my_vouchers, name="my_vouchers"),
]
