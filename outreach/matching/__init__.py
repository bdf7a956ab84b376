"""The matcher's pure model: impact, scoring, reasons, tie strength, assignment; no I/O."""
