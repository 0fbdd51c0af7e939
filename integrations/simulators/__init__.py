"""Simulators of systems outside (small HTTP servers speaking their protocol), for tests and `make run`."""
