"""Sets `request.account` and `request.membership` from the account chosen in the session."""

from .selectors import membership_current

SESSION_KEY = "current_account_id"


class CurrentAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.account = None
        if request.user.is_authenticated:
            membership = membership_current(
                user=request.user, account_id=request.session.get(SESSION_KEY)
            )
            if membership is not None:
                request.membership = membership
                request.account = membership.account
        return self.get_response(request)
