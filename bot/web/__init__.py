"""Pages Plume serves to people's browsers (Sign in with X), written without a web framework so each
platform's HTTP server mounts the same functions (Slack's WSGI app, Teams' ASGI one)."""
