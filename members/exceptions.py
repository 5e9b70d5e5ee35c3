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


class AccountLocked(MembersError):
    """Too many failed sign-ins for this account or from this client."""

    def __init__(self, message="", retry_after: int = 900):
        super().__init__(message)
        self.retry_after = retry_after


class CodeRejected(CodeInvalid):
    """A wrong code for a live code row: the caller counts the attempt."""

    def __init__(self, message="", code_id: int | None = None):
        super().__init__(message)
        self.code_id = code_id


class AccountClosed(MembersError):
    pass


class PasswordMismatch(MembersError):
    pass
