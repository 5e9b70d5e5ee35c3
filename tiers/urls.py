from django.urls import path

from . import views

app_name = "tiers"
urlpatterns = [
    path("me/tier/", views.my_tier, name="me"),
    path("me/tier/sign-in/", views.sign_in, name="sign_in"),
    path("tiers/", views.tier_comparison, name="compare"),
]
