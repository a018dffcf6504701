"""Dict and set comprehensions."""

words = ["apple", "banana", "cherry", "avocado"]
lengths = {w: len(w) for w in words}
initials = {w[0] for w in words}
by_initial = {
    letter: [w for w in words if w.startswith(letter)]
    for letter in sorted(initials)
}
inverted = {v: k for k, v in lengths.items() if v > 5}
nothing = {k: v for k, v in {}.items()}
