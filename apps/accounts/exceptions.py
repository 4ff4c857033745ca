"""Error codes of users, memberships and invitations (rendered by ``apps.common.errors``)."""

from __future__ import annotations

import enum


class AccountErrorCode(str, enum.Enum):
    EMAIL_TAKEN = "email_taken"
    INVITATION_INVALID = "invitation_invalid"
    INVITATION_EXPIRED = "invitation_expired"
    INVITATION_USED = "invitation_used"
    INVITATION_EMAIL_MISMATCH = "invitation_email_mismatch"
    ALREADY_MEMBER = "already_member"
    LAST_OWNER = "last_owner"
    ROLE_NOT_ALLOWED = "role_not_allowed"
