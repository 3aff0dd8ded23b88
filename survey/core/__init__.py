"""The domain's shared vocabulary, with no I/O: periods, unit paths, response statuses and channels, the
rating columns and bilingual text. Every area uses these; none writes its own."""
