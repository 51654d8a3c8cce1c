"""Plans as configuration: a TOML file with defaults shipped in the package."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


class PlanError(ValueError):
    pass


@dataclass(frozen=True)
class Plan:
    name: str
    title: str
    lifetime_views: int | None = None
    monthly_views: int | None = None
    monthly_consultations: int | None = None

    @property
    def monthly(self) -> bool:
        return self.monthly_views is not None


@dataclass(frozen=True)
class Plans:
    plans: dict[str, Plan]

    def get(self, name: str) -> Plan:
        try:
            return self.plans[name]
        except KeyError:
            raise PlanError(f"unknown plan {name!r}; known plans: {', '.join(sorted(self.plans))}") from None


def parse_plans(text: str, origin: str = "plans") -> Plans:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{origin}: not valid TOML: {exc}") from exc
    table = data.get("plans")
    if not isinstance(table, dict) or not table:
        raise PlanError(f"{origin}: needs a [plans.NAME] table for each plan")
    plans: dict[str, Plan] = {}
    for name, spec in table.items():
        if not isinstance(spec, dict):
            raise PlanError(f"{origin}: [plans.{name}] must be a table")
        lifetime, monthly = spec.get("lifetime_views"), spec.get("monthly_views")
        if (lifetime is None) == (monthly is None):
            raise PlanError(f"{origin}: plan {name!r} needs exactly one of lifetime_views or monthly_views")
        for key in ("lifetime_views", "monthly_views", "monthly_consultations"):
            value = spec.get(key)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise PlanError(f"{origin}: plan {name!r}: {key} must be a whole number ≥ 0")
        plans[name] = Plan(
            name=name,
            title=str(spec.get("title", name)),
            lifetime_views=lifetime,
            monthly_views=monthly,
            monthly_consultations=spec.get("monthly_consultations"),
        )
    for required in ("guest", "free"):
        if required not in plans:
            raise PlanError(f"{origin}: the {required!r} plan is required")
    return Plans(plans)


def load_plans(path: Path | None = None) -> Plans:
    if path is None:
        text = resources.files("consultant.data").joinpath("plans.toml").read_text("utf-8")
        return parse_plans(text, "built-in plans.toml")
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise PlanError(f"cannot read plans file {path}: {exc.strerror}") from exc
    return parse_plans(text, str(path))
