"""Errors that stop a whole command (not one file): lock held, outbox not writable, bad roster,
a report that cannot be rendered.

Their message is Chinese and complete; the CLI prints it as is and exits with code 2.  Problems
with one input file are never exceptions: they become findings or a status in the run's result.
"""

from __future__ import annotations


class FatalError(Exception):
    """A problem that stops the command; ``str(exc)`` is the Chinese message for the user.

    The one base class the CLI catches: every library error meant for a user derives from it.
    """
