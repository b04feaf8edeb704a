"""Submission values -> Word report (and PDF): content, the compiled template, verification.

Owns the report content (``content``), the compiled template engine (``engine``), the generator
of the default template (``default_template``, a build tool the renderer never imports), the
package verification (``verify``), ``render`` and the LibreOffice bridge (``office``).  Imports
``form`` and ``xlsx``; must not import ``checks`` (independent) nor batch or anything above.
"""
