"""Load the code sets bundled with the package the first time the service starts."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker


def ensure_bundled_codesets(sessions: sessionmaker[Session], *, progress: bool = False) -> None:
    """Import bundled ICD-10-CM, ICD-10-PCS and HCPCS releases that are not loaded yet."""
    # Filled in by the code-sets work (issue 3).
    return None
