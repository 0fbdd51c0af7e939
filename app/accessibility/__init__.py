"""Accessibility (无障碍): caller needs, agents' skills, routing to the skilled, KPIs per group."""
