"""Dispatch catalogue (派单目录): rules and the dispatch suggestion."""
