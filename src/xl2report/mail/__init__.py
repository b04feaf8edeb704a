"""The mail round trip: send templates, fetch returns, reply with feedback, remind.

May import county, batch and below; must not import web or cli.
"""
