"""The local web board (``xl2report serve``): a thin layer over the library, like the CLI.

Owns the pages (board, unit page, hand-out, the 邮件 page), the upload queue that runs the
same batch as ``run`` under the outbox's run lock, downloads by ledger id, and the guard
(Host, session cookie, password, CSRF, same origin).  Unit states come from
:mod:`xl2report.county.campaign` through :mod:`xl2report.web.units`.  May import mail (the 邮件
page's buttons run the mail commands), county, batch and below; must not import cli.
"""
