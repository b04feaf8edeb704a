"""Views over the ledger for the county office: the campaign (every unit's state, held names,
deadline, warnings to review), status workbook, reminders and the county summary.

Reads the ledger and roster (``batch``); writes workbooks through ``xlsx``.  Must not import
web, mail or cli.
"""
