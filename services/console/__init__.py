"""The service centre's console: static pages and a forwarder to the five APIs."""
