"""Yulu: daily reconciliation of county records for the Rain and Dew Plan (雨露计划)."""
