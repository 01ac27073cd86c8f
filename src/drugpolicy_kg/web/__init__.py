"""The web application: pages and REST API over the library (a sibling of ``commands/``).

:mod:`.validator` is the validation service (upload page and REST API) as a router that the
application includes.
"""
