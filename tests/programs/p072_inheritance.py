"""Inheritance with super(), overriding, and a base method never reached."""


class Animal:
    def __init__(self, name):
        self.name = name

    def speak(self):
        return "..."

    def describe(self):
        return f"{self.name} says {self.speak()}"


class Dog(Animal):
    def __init__(self, name, breed):
        super().__init__(name)
        self.breed = breed

    def speak(self):
        return "woof"


class Puppy(Dog):
    def speak(self):
        base = super().speak()
        return base + "!"


class Cat(Animal):
    def speak(self):
        return "meow"


for animal in (Dog("rex", "lab"), Puppy("bit", "pug")):
    animal.describe()
