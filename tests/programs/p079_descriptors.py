"""A data descriptor with __get__/__set__/__set_name__."""


class Positive:
    def __set_name__(self, owner, name):
        self.private = "_" + name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.private)

    def __set__(self, obj, value):
        if value <= 0:
            raise ValueError(f"{self.private[1:]} must be positive")
        setattr(obj, self.private, value)

    def __delete__(self, obj):
        raise AttributeError("cannot delete")


class Order:
    quantity = Positive()
    price = Positive()

    def __init__(self, quantity, price):
        self.quantity = quantity
        self.price = price


order = Order(2, 5)
cost = order.quantity * order.price
descriptor = Order.quantity
try:
    order.price = 0
except ValueError:
    pass
