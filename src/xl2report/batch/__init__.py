"""inbox/ -> outbox/: the run session, workers, the SQLite ledger, lock, watch, roster, names.

Owns every file a run reads and writes and its record in the ledger.  Imports checks, report,
xlsx and form; must not import county, web, mail or cli.
"""
