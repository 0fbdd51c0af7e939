"""Triage (分拣): orders without a category wait for the desk, with a suggested category."""
