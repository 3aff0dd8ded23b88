"""Webhooks: signed JSON events to receivers the administrators configure, delivered through the job table."""
