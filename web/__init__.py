"""The web face: the same facts as the bot, for browsers (issue #13).

`web.server.WebServer` is the process's one HTTP server; faces add their route tables to it
(the site here, health checks, later the Telegram webhook) and it starts and stops in one place.
"""
