"""Views over the ledger for the county office: status and the county summary.

Reads the ledger and roster (``batch``); writes workbooks through ``xlsx``.  Must not import
web, mail or cli.
"""
