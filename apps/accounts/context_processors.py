from . import policy
from .selectors import membership_list_for_user


def current_account(request) -> dict:
    """The account switcher and role checks the layout needs."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "current_account": getattr(request, "account", None),
        "current_membership": membership,
        "my_memberships": membership_list_for_user(user=request.user),
        "perms_for": {
            action.replace(".", "_"): policy.can(membership, action) for action in policy.ALLOWED
        },
    }
