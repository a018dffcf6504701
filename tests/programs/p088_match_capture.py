"""match with capture patterns, sequences and star patterns."""


def parse(command):
    match command.split():
        case []:
            return "empty"
        case ["go", direction]:
            return f"going {direction}"
        case ["take", first, *others]:
            return [first, *others]
        case ["quit" | "exit"]:
            return "bye"
        case other:
            return f"unknown {other}"


parse("")
parse("go north")
parse("take a b c")
parse("dance now")
