"""Never imported by p107: an unexecuted file in the measured source."""


def unused():
    return "unused"
