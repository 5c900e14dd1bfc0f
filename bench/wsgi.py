"""The real application plus one bare route, for the load benchmarks only: `gunicorn … bench.wsgi:app`.

`/__bench__/hello` answers "hello" from the same workers, through the same before/after-request hooks (locale,
user loading, the 2FA gate, security headers), so its rate is the practical ceiling of this server on this
machine; a page's rate divided by it says how much the page's own work costs. The production entry point
(`app:app`) never has this route.
"""

from marketplace import create_app

app = create_app()


@app.get("/__bench__/hello")
def bench_hello():
    return "hello"
