"""Transition and training pathways: occupation profiles, transitions and training plans."""
