"""What the citizen touches: the survey page behind a QR code, its JSON twin, and the stored responses."""
