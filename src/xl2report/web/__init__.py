"""The local web board (``xl2report serve``): a thin layer over the library, like the CLI.

May import county, batch and below; must not import mail or cli.
"""
