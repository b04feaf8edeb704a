"""``xl2report doctor``: what this PC has and lacks for xl2report, for the clerk or IT person.

:mod:`checks` gathers the findings (Python, the packages, the inbox and outbox and their drives,
LibreOffice, the 公文 fonts, the board, the keyring, the mail settings) as data; the CLI renders
them.  :mod:`drives` tells what kind of drive a folder is on.  Above mail and report (it asks
both), beside web; nothing imports it but the CLI.
"""
