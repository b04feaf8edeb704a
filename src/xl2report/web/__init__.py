"""The local web board (``xl2report serve``): a thin layer over the library, like the CLI.

May import mail (the 邮件 page's buttons run the mail commands), county, batch and below;
must not import cli.
"""
