"""Code sets: every code belongs to a release of a code system, with effective dates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consultant.db.base import Base, utcnow

# icd10cm | icd10pcs | hcpcs | cpt | modifier
CODE_SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "cpt", "modifier")


class CodeRelease(Base):
    __tablename__ = "code_release"
    __table_args__ = (UniqueConstraint("system", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))  # e.g. "FY2026", "2020-annual"
    effective_from: Mapped[date]
    effective_to: Mapped[date | None] = mapped_column(default=None)
    source_file: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    code_count: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Code(Base):
    __tablename__ = "code"
    __table_args__ = (
        UniqueConstraint("release_id", "code"),
        Index("ix_code_system_code", "system", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("code_release.id", ondelete="CASCADE"), index=True)
    system: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(10))  # display form: E11.22, 0FT44ZZ, J1100, 99214, 59
    # code | category | subcategory (ICD headers) | section | chapter (ICD-10-CM tabular groupings, which
    # carry notes a coder reads above a code) | modifier
    kind: Mapped[str] = mapped_column(String(12), default="code")
    parent: Mapped[str] = mapped_column(
        String(10), default=""
    )  # tabular parent: E11.22 -> E11.2 -> E11 -> E08-E13
    descriptor: Mapped[str] = mapped_column(Text, default="")  # official long descriptor
    short_descriptor: Mapped[str] = mapped_column(Text, default="")
    billable: Mapped[bool] = mapped_column(default=True)  # False = header / category
    notes_json: Mapped[str] = mapped_column(Text, default="{}")  # includes, excludes1/2, code first, ...
    effective_from: Mapped[date | None] = mapped_column(default=None)
    effective_to: Mapped[date | None] = mapped_column(default=None)


class PlainDescription(Base):
    """A plain-language description: the AMA consumer descriptor, or one a coder wrote and saved."""

    __tablename__ = "plain_description"
    __table_args__ = (UniqueConstraint("system", "code", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))  # consumer | coder
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[int | None] = mapped_column(ForeignKey("coder.id"), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NcciEdit(Base):
    __tablename__ = "ncci_edit"
    # Release first: a lookup names the release(s) in force and the pair; with a separate release_id index
    # SQLite would pick it and scan every edit of the quarter (millions).
    __table_args__ = (Index("ix_ncci_edit_pair", "release_id", "column1", "column2"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The import this row came from (a code_release row with system "ncci-practitioner" / "ncci-hospital").
    release_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_release.id", ondelete="CASCADE"), default=None
    )
    setting: Mapped[str] = mapped_column(String(12))  # practitioner | hospital
    release: Mapped[str] = mapped_column(String(40))
    column1: Mapped[str] = mapped_column(String(10))
    column2: Mapped[str] = mapped_column(String(10))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None] = mapped_column(default=None)
    modifier_indicator: Mapped[str] = mapped_column(String(1))  # 0 | 1 | 9
    rationale: Mapped[str] = mapped_column(Text, default="")


class Mue(Base):
    __tablename__ = "mue"
    __table_args__ = (Index("ix_mue_code", "release_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The import this row came from (a code_release row with system "mue-practitioner" / …).
    release_id: Mapped[int | None] = mapped_column(
        ForeignKey("code_release.id", ondelete="CASCADE"), default=None
    )
    setting: Mapped[str] = mapped_column(String(12))  # practitioner | outpatient | dme
    release: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(10))
    value: Mapped[int]
    adjudication_indicator: Mapped[str] = mapped_column(String(80))
    rationale: Mapped[str] = mapped_column(Text, default="")
