"""Fever (发热): one threshold for the daily health reports (``health.services.is_fever``) and
the printed door temperature sheets (``documents.sheets``), which must not disagree.

37.3 °C, the figure of the notices in the field reports: a reading at or above it, or any
symptom, is reported to the command post at once."""

from decimal import Decimal

FEVER_FROM = Decimal("37.3")  # °C
