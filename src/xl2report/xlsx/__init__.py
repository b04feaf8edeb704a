""".xlsx in and out: the safe single-pass reader, the locked template writer, feedback copies.

Owns: ``parts`` (reading a package safely), ``submission`` (a workbook seen through the form),
``style`` (the house formats), ``template`` (the township template), ``validations`` (its data
validation), ``prefill`` (last year's figures in it), ``factory`` (many templates of one year,
fast), ``feedback`` (the annotated copy), ``package`` (rewriting a zip reusing unchanged parts).  Imports only ``form``; must not
import checks, report, batch or anything above.
"""
