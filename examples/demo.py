"""The program `make demo` runs under covcore."""

from wordstats.stats import longest_word, reading_level, top_words

TEXT = """
The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs
into the woods, and the woods are quiet again.
"""

if __name__ == "__main__":
    print("top words:", top_words(TEXT))
    print("longest:", longest_word(TEXT))
    print("level:", reading_level(TEXT))
