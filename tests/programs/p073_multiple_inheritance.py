"""Multiple inheritance and cooperative super() along the MRO."""


class Base:
    def setup(self, log):
        log.append("base")


class Left(Base):
    def setup(self, log):
        log.append("left")
        super().setup(log)


class Right(Base):
    def setup(self, log):
        log.append("right")
        super().setup(log)


class Diamond(Left, Right):
    def setup(self, log):
        log.append("diamond")
        super().setup(log)


class Mixin:
    def extra(self):
        return "extra"


class Combined(Mixin, Diamond):
    pass


log = []
Combined().setup(log)
Combined().extra()
