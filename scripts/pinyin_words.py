"""What scripts/gen-pinyin.py and scripts/check-pinyin.py share: the word lengths of
data/pinyin/words.tsv and the greedy longest-match reading that search/pinyin.c performs."""

MIN_WORD, MAX_WORD = 2, 8


def longest_match(text, words, single):
    """The syllables of text: at each place the longest entry of words (MIN_WORD..MAX_WORD
    characters), else single(character), a list."""
    out, i = [], 0
    while i < len(text):
        for n in range(min(MAX_WORD, len(text) - i), MIN_WORD - 1, -1):
            hit = words.get(text[i:i + n])
            if hit:
                out.extend(hit)
                i += n
                break
        else:
            out.extend(single(text[i]))
            i += 1
    return out
