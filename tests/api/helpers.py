def post(client, url, data, method="post"):
    """Send ``data`` as JSON with the given method (post, put, patch)."""
    return getattr(client, method)(url, data, content_type="application/json")
