"""The decision service: the library over HTTP, for systems not written in Python.

A thin edge, like the command line: it parses requests, calls the library and
writes its answers, with no logic of its own. Protocols are compiled once when
the app is made; every request is a pure function of its input, so the service
scales by running more workers or more copies behind any proxy.

Modules:

* :mod:`.app`: ``create_app(settings)``, the FastAPI application;
* :mod:`.settings`: the body-size limits, read from the environment;
* :mod:`.problems`: RFC 9457 ``application/problem+json`` errors with our codes;
* :mod:`.body`: the one place a request body is read, capped and parsed;
* :mod:`.registry`: the protocols compiled at start-up, and ``as_of``;
* :mod:`.examples`: the example timeline of the OpenAPI document and the form;
* :mod:`.routes`: one router per resource (protocols, evaluation, comparison,
  schema, view);
* :mod:`.view` and :mod:`.view_svg`: a child's timeline drawn as one
  self-contained HTML page (used by ``GET /view`` and ``evaluate --format html``);
  they need neither FastAPI nor uvicorn.

The service needs the ``service`` extra: ``pip install 'missing_protocol[service]'``.
See docs/service.md.
"""
