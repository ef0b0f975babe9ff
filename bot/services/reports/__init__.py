"""Reports: the figures services load from storage and hand to the metrics engine (a person's week,
a program's week), and what is built from them (digests, recaps, nudge plans)."""
