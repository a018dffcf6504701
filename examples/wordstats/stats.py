"""Word statistics over a text."""

from collections import Counter


def words(text):
    """The lowercase words of a text, punctuation stripped."""
    for raw in text.split():
        word = raw.strip(".,;:!?\"'()").lower()
        if word:
            yield word


def top_words(text, n=3):
    """The n most common words with their counts."""
    counts = Counter(words(text))
    return counts.most_common(n)


def longest_word(text):
    """The longest word, or None for an empty text."""
    best = None
    for word in words(text):
        if best is None or len(word) > len(best):
            best = word
    return best


def reading_level(text):
    """A rough label from the average word length."""
    ws = list(words(text))
    if not ws:
        return "empty"
    average = sum(len(w) for w in ws) / len(ws)
    if average < 4:
        return "easy"
    elif average < 6:
        return "medium"
    else:
        return "hard"  # not reached by the demo text
