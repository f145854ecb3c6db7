"""Edit: format-neutral byte edits and the checks every edited file passes (edits.py), SARIF
regions of an edit (regions.py), atomic multi-file writes (write.py) and the one-writer-per-
repository lock (lock.py).

May import fixer.model, fixer.textfile and fixer.interrupts only.
"""
