"""Verification coming back: the outcomes village cadres record on returned worklists."""
