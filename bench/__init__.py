"""`make bench`: the handler measured against the local Personalize emulator (not shipped)."""

from __future__ import annotations
