"""Submission -> findings: the catalogue of codes, layout, cell values, rules, narrative, year over year.

Owns every finding code, level and message (``catalogue``) and the checks that produce them;
``prefilled`` guards the figures a template was prefilled with from last year;
``check.check_file`` is the entry point.  Imports ``form`` and ``xlsx``; must not import
``report`` (the two are independent) nor batch, county, web, mail or cli.
"""
