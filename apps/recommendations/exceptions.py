from __future__ import annotations

import enum


class RecommendationErrorCode(str, enum.Enum):
    UNKNOWN_RULE = "unknown_rule"
    INVALID_PARAMS = "invalid_params"
    INVALID_TRANSITION = "invalid_transition"
    INVALID_DATE = "invalid_date"
    REASON_REQUIRED = "reason_required"
    EVALUATION_RUNNING = "evaluation_running"
    INVALID_POLICY = "invalid_policy"
    RULE_FAILED = "rule_failed"
