"""The one window: every request and complaint received, triaged, routed, answered, tracked."""
