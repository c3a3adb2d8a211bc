"""Crosswalk links between occupation systems, followed hop by hop.

Official links: O*NET-SOC 2019 → SOC 2018 (the first seven characters, by the taxonomy's design),
SOC 2018 ↔ SOC 2010 and SOC 2010 ↔ ISCO-08 (BLS crosswalks). KSCO 8 → ISCO-08 is *provisional*:
the official Statistics Korea linkage table is not in the reference data, so a KSCO unit group is
linked to an ISCO-08 unit group only where the KSCO English name equals the ISCO-08 title.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ilteo.core.settings import Settings
from ilteo.reference.codes import CodeSystem, cached_index, normalise, occupation_systems
from ilteo.reference.loading import load
from ilteo.reference.schemas import PROVISIONAL_NOTE, CrosswalkLink, LinkMethod

#: Which systems to walk to from each starting system, in order (each step starts from the codes
#: of its source system reached so far). Chosen so no walk comes back to where it started.
ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "onet": (("onet", "soc2018"), ("soc2018", "soc2010"), ("soc2010", "isco08")),
    "soc2018": (("soc2018", "onet"), ("soc2018", "soc2010"), ("soc2010", "isco08")),
    "soc2010": (("soc2010", "soc2018"), ("soc2010", "isco08")),
    "isco08": (("isco08", "soc2010"), ("soc2010", "soc2018")),
    "ksco8": (("ksco8", "isco08"), ("isco08", "soc2010"), ("soc2010", "soc2018")),
}


@dataclass(frozen=True, slots=True)
class Edge:
    """A link from one code to another."""

    to_code: str
    method: LinkMethod
    source: str


@dataclass(slots=True)
class CrosswalkIndex:
    """``(from_system, to_system) → from_code → edges``."""

    edges: dict[tuple[str, str], dict[str, list[Edge]]]

    def targets(self, from_system: str, to_system: str, code: str) -> list[Edge]:
        """Edges from ``code`` of ``from_system`` into ``to_system``."""
        return self.edges.get((from_system, to_system), {}).get(code, [])


def _pairs(
    edges: dict[tuple[str, str], dict[str, list[Edge]]],
    key: tuple[str, str],
    pairs: list[tuple[str, str]],
    method: LinkMethod,
    source: str,
) -> None:
    table = edges.setdefault(key, defaultdict(list))
    for left, right in pairs:
        if left and right and all(e.to_code != right for e in table[left]):
            table[left].append(Edge(right, method, source))


@cached_index("ksco8", "onet", "crosswalks", "ilo_genai_2025")
def crosswalk_index(settings: Settings) -> CrosswalkIndex:
    """Every link between the occupation systems, both directions where the table allows."""
    systems = occupation_systems(settings)
    edges: dict[tuple[str, str], dict[str, list[Edge]]] = {}
    onet_soc = [(c, c[:7]) for c in systems["onet"].entries if c[:7] in systems["soc2018"].entries]
    _pairs(edges, ("onet", "soc2018"), onet_soc, "official_crosswalk", "onet")
    _pairs(edges, ("soc2018", "onet"), [(b, a) for a, b in onet_soc], "official_crosswalk", "onet")
    for table, left, right, key in (
        ("soc2010_soc2018", "soc2010", "soc2018", ("soc2010", "soc2018")),
        ("soc2010_isco2008", "soc2010", "isco2008", ("soc2010", "isco08")),
        ("isco2008_soc2010", "isco2008", "soc2010", ("isco08", "soc2010")),
    ):
        frame = load("crosswalks", table, settings=settings).select(left, right)
        pairs = [(a, b) for a, b in frame.iter_rows() if a and b]
        _pairs(edges, key, pairs, "official_crosswalk", "crosswalks")
        if key == ("soc2010", "soc2018"):
            reverse = [(b, a) for a, b in pairs]
            _pairs(edges, ("soc2018", "soc2010"), reverse, "official_crosswalk", "crosswalks")
    _pairs(edges, ("ksco8", "isco08"), _title_matches(systems), "exact_title_match", "ksco8")
    return CrosswalkIndex(edges)


def _title_matches(systems: dict[str, CodeSystem]) -> list[tuple[str, str]]:
    """KSCO 8 unit groups whose English name equals an ISCO-08 unit-group title (normalised)."""
    by_title: dict[str, list[str]] = defaultdict(list)
    for entry in systems["isco08"].entries.values():
        if entry.level == "unit" and entry.name_en:
            by_title[normalise(entry.name_en)].append(entry.code)
    pairs = []
    for entry in systems["ksco8"].entries.values():
        if entry.level == "unit" and entry.name_en:
            pairs += [(entry.code, isco) for isco in by_title.get(normalise(entry.name_en), [])]
    return pairs


def walk(settings: Settings, system: str, code: str) -> list[CrosswalkLink]:
    """Follow :data:`ROUTES` from one code; each reached code once, by its shortest path."""
    index = crosswalk_index(settings)
    systems = occupation_systems(settings)
    reached: dict[tuple[str, str], CrosswalkLink] = {}
    frontier: dict[str, dict[str, tuple[int, bool]]] = {system: {code: (0, False)}}
    for from_system, to_system in ROUTES.get(system, ()):
        for from_code, (hops, provisional) in list(frontier.get(from_system, {}).items()):
            for edge in index.targets(from_system, to_system, from_code):
                key = (to_system, edge.to_code)
                if key in reached or key == (system, code):
                    continue
                is_provisional = provisional or edge.method == "exact_title_match"
                entry = systems[to_system].entries.get(edge.to_code)
                reached[key] = CrosswalkLink(
                    system=to_system,
                    code=edge.to_code,
                    name_en=entry.name_en if entry else None,
                    name_ko=entry.name_ko if entry else None,
                    from_system=from_system,
                    from_code=from_code,
                    method=edge.method,
                    source=edge.source,
                    hops=hops + 1,
                    provisional=is_provisional,
                    note=PROVISIONAL_NOTE if edge.method == "exact_title_match" else None,
                )
                frontier.setdefault(to_system, {})[edge.to_code] = (hops + 1, is_provisional)
    return list(reached.values())
