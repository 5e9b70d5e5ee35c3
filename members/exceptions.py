"""Errors a user can cause; views and the API turn them into 4xx messages."""


class MembersError(Exception):
    """Base class: ``message`` is person-readable and translated."""

    def __init__(self, message=""):
        super().__init__(message)
        self.message = message


class ReferralRefused(MembersError):
    pass


class PhoneTaken(MembersError):
    pass


class CodeInvalid(MembersError):
    pass


class RateLimited(MembersError):
    def __init__(self, message="", retry_after: int = 60):
        super().__init__(message)
        self.retry_after = retry_after
