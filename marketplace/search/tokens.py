"""Chinese words for the index and for queries: jieba with a domain dictionary, the same on both sides.

jieba's search mode already adds the two- and three-character words inside a long one; we also add every
longer dictionary word inside it, so "社会工作者" is found by "社会工作" (search mode alone would not emit the
four-character word). Latin words and numbers are kept whole and lower-cased, so credit codes and references
match as typed.
"""

import logging
import re
import threading
from pathlib import Path

import jieba

USER_DICTIONARY = Path(__file__).with_name("userdict.txt")
MEANINGFUL = re.compile(r"[\w\u4e00-\u9fff]")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def tokenizer() -> jieba.Tokenizer:
    """One jieba instance per process, loaded on first use (about a second: the dictionary is parsed once)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.load_userdict(str(USER_DICTIONARY))
                _tokenizer = instance
    return _tokenizer


def _known(word: str) -> bool:
    return tokenizer().FREQ.get(word, 0) > 0


def index_tokens(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for every word a document should be found by, in order of position."""
    result, seen = [], set()
    for word, start, end in tokenizer().tokenize(text or "", mode="search"):
        if not MEANINGFUL.search(word):
            continue
        if (word, start) not in seen:
            seen.add((word, start))
            result.append((word.lower(), start, end))
        if len(word) >= 5:  # search mode stops at three characters; add the longer words inside
            for size in range(4, len(word)):
                for offset in range(len(word) - size + 1):
                    inner = word[offset:offset + size]
                    if _known(inner) and (inner, start + offset) not in seen:
                        seen.add((inner, start + offset))
                        result.append((inner, start + offset, start + offset + size))
    result.sort(key=lambda token: (token[1], -len(token[0])))
    return result


def query_words(text: str) -> list[str]:
    """The words a query asks for, each required: jieba's accurate mode, without punctuation, no repeats."""
    words = []
    for word in tokenizer().cut((text or "").strip()[:200], HMM=True):
        word = word.strip().lower()
        if word and MEANINGFUL.search(word) and word not in words:
            words.append(word)
    return words[:12]  # a pasted paragraph is not a query
