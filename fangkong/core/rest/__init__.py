"""The shared base of every app's REST API: the view sets (scoped querysets, writes through the
services), fields, permissions, pagination, the schema and the one error format.

It lives in core, so that core's own API and every app's import it from core (as they import
scope and actions) and ``fangkong.api``, which collects the apps' ``ROUTES`` into the one
router, is imported by nobody but the URL configuration: no cycle between core and the API.
"""
