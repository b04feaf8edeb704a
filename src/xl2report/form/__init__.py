"""The national form, defined once: sheets, labels, field keys, cells, types, formulas, rules.

Owns: ``types`` (the vocabulary a form is written in) and ``national`` (the 2021 national form as
data).  Everything else derives from it.  Must not import any other xl2report package.
"""
