""".xlsx in and out: the safe single-pass reader, the locked template writer, feedback copies.

Owns: ``parts`` (reading a package safely), ``submission`` (a workbook seen through the form),
``style`` (the house formats), ``template`` (the township template), ``feedback`` (the annotated
copy), ``package`` (rewriting a zip reusing unchanged parts).  Imports only ``form``; must not
import checks, report, batch or anything above.
"""
