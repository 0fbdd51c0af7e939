"""Utilities (water, power, gas, heating) as handling departments reached over signed messages."""
