"""The human review queue: a database of records and corrections (``store``), the rules that put a
record before a person (``routing``), evidence boxes on the page (``evidence``), the web app
(``web``, behind ``pipeline serve``) and gold files from approved records (``gold``).

It sits after the runner in the data flow: it reads records, documents and checks; no earlier
stage imports it."""
