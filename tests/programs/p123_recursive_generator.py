"""A recursive generator walking a tree with yield from."""


class Node:
    def __init__(self, value, children=()):
        self.value = value
        self.children = list(children)


def walk(node, depth=0):
    yield depth, node.value
    for child in node.children:
        yield from walk(child, depth + 1)


def leaves(node):
    if not node.children:
        yield node.value
        return
    for child in node.children:
        yield from leaves(child)


tree = Node(1, [Node(2, [Node(4)]), Node(3)])
list(walk(tree))
list(leaves(tree))
