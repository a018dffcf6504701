"""A small state machine: a loop over input with many branches."""


def tokenize(text):
    tokens = []
    state = "start"
    current = ""
    for ch in text + " ":
        if state == "start":
            if ch.isdigit():
                state = "number"
                current = ch
            elif ch.isalpha():
                state = "word"
                current = ch
            elif ch == " ":
                continue
            else:
                tokens.append(("op", ch))
        elif state == "number":
            if ch.isdigit():
                current += ch
            else:
                tokens.append(("num", int(current)))
                state = "start"
                if ch != " ":
                    tokens.append(("op", ch))
        elif state == "word":
            if ch.isalnum():
                current += ch
            else:
                tokens.append(("word", current))
                state = "start"
        else:
            raise AssertionError("bad state")
    return tokens


tokenize("x1 = 42+y")
tokenize("")
