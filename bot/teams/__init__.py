"""The Microsoft Teams adapter: activities in (token check, mention, commands), Adaptive
Cards out through a small synchronous Bot Connector client.

The inbound seam is :func:`bot.teams.inbound.handle_activity`: a checked activity in, an
HTTP answer out. Nothing here speaks asyncio; Microsoft's activity and card models are
used as plain pydantic models.
"""
