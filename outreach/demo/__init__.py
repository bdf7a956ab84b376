"""Seeded synthetic demo data: a voter file, supporters, messy contact uploads and the truth.

``generate`` writes a full demo data set; ``generate_linkage_eval`` writes a voter file and
one corrupted contacts file with known answers, for measuring record-linkage quality.
"""

from outreach.demo.generator import DemoManifest, generate
from outreach.demo.linkage import generate_linkage_eval

__all__ = ["DemoManifest", "generate", "generate_linkage_eval"]
