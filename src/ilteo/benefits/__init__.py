"""Benefits found and offered without being asked: Korean labour programmes as rules on OpenFisca.

- :mod:`ilteo.benefits.entities` and :mod:`ilteo.benefits.system`: the OpenFisca model (persons,
  households), with the parameters of ``parameters/`` (dated YAML with the articles of law).
- :mod:`ilteo.benefits.inputs`: the check's input (validated, bad input named by field) and the
  OpenFisca input variables derived from it.
- :mod:`ilteo.benefits.programmes`: one module per programme (variables and how its answer reads).
- :mod:`ilteo.benefits.check`: one check of one person, every programme evaluated.
"""
