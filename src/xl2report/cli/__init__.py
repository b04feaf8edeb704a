"""The command line: thin -- parse options, call one library function, print, choose the exit code.

``main.main`` is the entry point and the one place where exceptions become messages and exit
codes; ``console`` draws tables.  Nothing else imports it.
"""
