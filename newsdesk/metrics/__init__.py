"""Desk metrics: daily, weekly and monthly figures, tables and charts."""
