"""A dispatch dict of functions, some handlers never used."""


def op_add(stack):
    b, a = stack.pop(), stack.pop()
    stack.append(a + b)


def op_mul(stack):
    b, a = stack.pop(), stack.pop()
    stack.append(a * b)


def op_neg(stack):
    stack.append(-stack.pop())


def op_div(stack):
    b, a = stack.pop(), stack.pop()
    stack.append(a / b)


OPS = {"+": op_add, "*": op_mul, "neg": op_neg, "/": op_div}


def evaluate(program):
    stack = []
    for token in program.split():
        handler = OPS.get(token)
        if handler is None:
            stack.append(float(token))
        else:
            handler(stack)
    return stack.pop()


evaluate("2 3 + 4 *")
evaluate("5 neg")
