"""People: opt-in and erasure (ambassadors), what a person does for themselves (membership), and
everything held about them (export)."""
