"""An exception hierarchy with its own __init__ and __str__."""


class BaseAppError(Exception):
    def __init__(self, code, detail=""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def __str__(self):
        if self.detail:
            return f"{self.code}: {self.detail}"
        return str(self.code)


class NotFound(BaseAppError):
    pass


class Forbidden(BaseAppError):
    def __str__(self):
        return "forbidden"


def lookup(key):
    if key == "secret":
        raise Forbidden(403)
    if key != "known":
        raise NotFound(404, key)
    return key


messages = []
for key in ("known", "secret", "other"):
    try:
        lookup(key)
    except BaseAppError as exc:
        messages.append(str(exc))
