""".xlsx in and out: the safe single-pass reader, the locked template writer, feedback copies.

Owns: ``sniff`` (is the file a workbook at all, from its first bytes), ``parts`` (reading a
package safely), ``submission`` (a workbook seen through the form),
``style`` (the house formats), ``template`` (the township template), ``validations`` (its data
validation), ``prefill`` (last year's figures in it), ``factory`` (many templates of one year,
fast), ``feedback`` (the annotated copy, with ``feedback_list`` its 校验结果 sheet),
``package_edit`` / ``sheet_edit`` / ``comments`` / ``text`` (editing a township's package part by
part), ``package`` (rewriting a zip reusing unchanged parts).  Imports only ``form``; must not
import checks, report, batch or anything above.
"""
