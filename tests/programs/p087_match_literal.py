"""match with literal patterns and a wildcard."""


def http_status(code):
    match code:
        case 200:
            return "ok"
        case 301 | 302:
            return "redirect"
        case 404:
            return "not found"
        case 500:
            return "server error"
        case _:
            return "unknown"


def truthy(value):
    match value:
        case True:
            return "yes"
        case False:
            return "no"
        case None:
            return "nothing"


for c in (200, 302, 418):
    http_status(c)
truthy(True)
truthy(None)
truthy("other")
