"""Prefect flows: compositions of tasks, ordered like the desk's SOP."""
