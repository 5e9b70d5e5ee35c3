"""Authentication: customers by mobile number, staff by username."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .models import User
from .phone import normalize_phone


class PhoneOrUsernameBackend(ModelBackend):
    """Try the identifier as a mobile number first, then as a username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (
            username if username is not None else kwargs.get(User.USERNAME_FIELD)
        )
        if not identifier or password is None:
            return None
        user = None
        try:
            phone = normalize_phone(identifier)
        except ValidationError:
            phone = None
        if phone:
            user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User.objects.filter(username=identifier).first()
        if user is None:
            # Spend the same time as a real check so timing does not reveal members.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
