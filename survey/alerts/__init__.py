"""Alerts: rules per unit evaluated by the worker, stored, shown on the dashboard, acknowledged, mailed and
sent to webhooks."""
