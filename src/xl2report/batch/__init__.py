"""inbox/ -> outbox/: plan, the run loop, workers, commits, outbox names, ledger, lock, watch, roster.

Owns every file a run reads and writes and its record in the ledger: ``plan`` decides, ``session``
runs, ``worker`` processes one file, ``commit`` records it, ``outbox`` names and places every
output; ``roster`` and ``lastyear`` hand out the templates (from last year's figures when
asked).  Imports checks, report, xlsx and form; must not import county, web, mail or cli.
"""
