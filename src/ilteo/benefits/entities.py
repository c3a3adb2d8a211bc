"""OpenFisca entities of the Korean labour-programmes model: a person and a household."""

from __future__ import annotations

from openfisca_core.entities import build_entity

Person = build_entity(
    key="person",
    plural="persons",
    label="개인 / person",
    doc="A person who may be insured, separated, a job seeker or a parent.",
    is_person=True,
)

Household = build_entity(
    key="household",
    plural="households",
    label="가구 / household",
    doc="The household whose income and assets the means-tested programmes look at.",
    roles=[{"key": "member", "plural": "members", "label": "가구원 / member"}],
)

ENTITIES = [Person, Household]
