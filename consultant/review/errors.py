"""Why a review action was refused, in words a coder understands."""

from __future__ import annotations


class ReviewError(Exception):
    """Base class: the action was refused; the message says why."""


class NotFound(ReviewError):
    pass


class ClaimConflict(ReviewError):
    """Another coder holds an unexpired claim on the draft."""


class VersionConflict(ReviewError):
    """The draft changed since the coder loaded it (another tab or colleague saved first)."""


class InvalidState(ReviewError):
    """The draft is no longer open (already approved, sent or rejected)."""
