"""A class with __init__, methods, and a method never called."""


class Account:
    interest = 0.01

    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount
        return self.balance

    def withdraw(self, amount):
        if amount > self.balance:
            return False
        self.balance -= amount
        return True

    def close(self):
        self.balance = 0


acct = Account("ann")
acct.deposit(10)
acct.withdraw(3)
acct.withdraw(100)
try:
    acct.deposit(-1)
except ValueError:
    pass
