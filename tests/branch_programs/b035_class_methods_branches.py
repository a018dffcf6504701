"""Methods with branches, properties, class-level conditions."""


class Account:
    limit = 100 if __name__ == "__main__" else 50

    def __init__(self, balance):
        self.balance = balance

    @property
    def overdrawn(self):
        if self.balance < 0:
            return True
        return False

    def withdraw(self, amount):
        if amount > self.limit:
            raise ValueError("too much")
        elif amount <= 0:
            return self.balance
        self.balance -= amount
        return self.balance


acct = Account(10)
acct.withdraw(20)
acct.overdrawn
try:
    acct.withdraw(1000)
except ValueError:
    pass
