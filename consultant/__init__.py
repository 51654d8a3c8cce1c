"""CaseConsultant: email-driven medical-coding consultations, reviewed by certified coders."""

__version__ = "0.1.0"
