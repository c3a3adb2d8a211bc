"""The status room: usage logs and the public performance page of every service menu.

Every route and MCP tool belongs to a named service menu (:mod:`ilteo.status.menus`). Each request
is logged (menu, route, status, server time, size, an anonymised client) in batches and rolled up
incrementally per hour and day (:mod:`ilteo.status.logs`); pages send real-user timings to a
beacon (:mod:`ilteo.status.rum`); the monitor opens and closes incidents from error rates and
synthetic probes (:mod:`ilteo.status.incidents`, :mod:`ilteo.status.monitor`); the public page
``/status``, ``/v1/status``, an Atom feed and open-data CSV read the rollups
(:mod:`ilteo.status.report`); task funnels feed usability reviews (:mod:`ilteo.status.usability`);
operators scrape ``/metrics`` (:mod:`ilteo.status.metrics`).
"""
