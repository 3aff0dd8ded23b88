"""Back-office screens: units, counters, officer accounts, dossier volumes, the audit log, flagged responses."""
