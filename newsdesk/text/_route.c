/* jieba's best route through a block's word graph (newsdesk.text.jieba_cut._ends) and the
 * block's words along it (jieba_cut._block_words), in C, with the same rules as the Python
 * references: tests/test_route.py compares them on generated blocks and test_jieba_cut.py
 * compares the whole cut with jieba's own on the project's corpora.
 *
 * Why C: every draft a desk checks is POS-tagged, and the route was a quarter of a new draft's
 * checks (issue 22 item 8: a new draft <= 10 ms): one dictionary look-up, one slice and one
 * log per prefix, in bytecode. Here the look-ups run in one loop, in a table of the dictionary
 * built once (below) where the dict allows it, else in the dict itself.
 *
 * The route must be jieba's to the last bit (a different tie changes the words, then the tags,
 * then the checks' findings), so the scores are the reference's float operations in its order:
 * (log(freq) - total) + best[stop], ties to the later end; a start no word begins at is the
 * character alone at frequency 1, (0.0 - total) + best[start + 1]. No multiplication, so no
 * contraction into a fused multiply-add can change a rounding.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

/* math.log, for a frequency that is not a plain positive int of 64 bits (never one of jieba's
 * dictionary, but a caller's dict may hold one): its result, or its error, is the reference's. */
static PyObject *math_log;

/* The score of ``value`` (a dict value, borrowed) in ``score``: 0 for no word (a falsy value,
 * a prefix only), 1 for a word, -1 with an exception set. */
static int word_score(PyObject *value, double *score) {
    if (PyLong_CheckExact(value)) {
        int overflow;
        long long count = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (count == 0 && !overflow) {
            return 0;
        }
        /* the conversion rounds as math.log's own (PyLong_AsDouble): to nearest, ties even */
        if (!overflow && count > 0) {
            *score = log((double)count);
            return 1;
        }
    }
    int truth = PyObject_IsTrue(value);
    if (truth <= 0) {
        return truth;
    }
    Py_INCREF(value); /* the call may run Python code that changes the dict */
    PyObject *logged = PyObject_CallOneArg(math_log, value);
    Py_DECREF(value);
    if (logged == NULL) {
        return -1;
    }
    *score = PyFloat_AsDouble(logged);
    Py_DECREF(logged);
    return 1;
}

/* The dictionary as a table of its words' characters (a trie in one hash table): routing a
 * draft looks up ~2.4 prefixes a character, and in a dict of 500,000 words each look-up is a
 * new str hashed, then three or four cache misses (the index, the entry, the key's str, the
 * value): ~1.3 us a character inside the checks, where the dict is never in cache (0.35 us
 * when it is). Here a prefix one character longer is one probe of a 16-byte slot, and no
 * str is made: ~0.35 us a character inside the checks.
 *
 * A table is built from a dict (exact str keys, exact int values from 0 to 2**32 - 1; any
 * other dict is routed over directly) the second time the same dict is routed over unchanged,
 * and used while it stays unchanged: the dict's version tag (CPython 3.11: new, and globally
 * unique, at every change of any dict) says so. A dict that changes between calls is never
 * built: each build reads the whole dict (~60 ms and 16 MB for jieba's 500,000 keys). Four
 * tables at most: a fifth dict takes the place of the one routed over longest ago. */
#define EMPTY UINT32_MAX       /* a free slot's parent */
#define ROOT (UINT32_MAX - 1)  /* the parent of a word's first character */
#define TABLES 4               /* tokenizers in use at once: one per desk dictionary set */

typedef struct {
    uint32_t parent; /* the slot of the prefix one character shorter, or ROOT */
    uint32_t ch;
    uint32_t freq; /* 0: a prefix of words, no word itself */
    uint32_t unused;
} Slot;

enum { SEEN = 1, BUILT, REFUSED }; /* a dict's version routed over once, twice, unbuildable */

typedef struct {
    PyObject *dict; /* which dict (compared, never read: it may be gone) */
    uint64_t version;
    int state;
    uint64_t used; /* when it last routed, for the eviction */
    size_t mask;
    Slot *slots;
} Table;

static Table tables[TABLES];
static uint64_t clock_now;

static inline uint64_t dict_version(PyObject *dict) {
    return ((PyDictObject *)dict)->ma_version_tag;
}

static inline size_t slot_of(const Table *t, uint32_t parent, uint32_t ch) {
    return (size_t)((((uint64_t)parent << 21) ^ ch) * 0x9E3779B97F4A7C15ULL >> 32) & t->mask;
}

/* The slot of ``parent``'s prefix and ``ch``, or EMPTY. */
static inline uint32_t child(const Table *t, uint32_t parent, uint32_t ch) {
    for (size_t at = slot_of(t, parent, ch);; at = (at + 1) & t->mask) {
        const Slot *slot = &t->slots[at];
        if (slot->parent == parent && slot->ch == ch) {
            return (uint32_t)at;
        }
        if (slot->parent == EMPTY) {
            return EMPTY;
        }
    }
}

typedef struct {
    PyObject *key; /* borrowed: the dict holds it while the table is built */
    uint32_t freq;
} Word;

/* ``dict``'s table in ``t``: 1, or 0 where the dict cannot have one or the memory is short
 * (nothing set: the route goes over the dict, slower, no error). A word whose prefix is no
 * key is left out: the dict route never reaches it either (it stops at the first prefix the
 * dict lacks). */
static int build(Table *t, PyObject *dict) {
    Py_ssize_t count = PyDict_GET_SIZE(dict), at = 0, longest = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &at, &key, &value)) {
        int overflow;
        long long freq = PyLong_CheckExact(value) ? PyLong_AsLongLongAndOverflow(value, &overflow)
                                                  : -1;
        if (!PyUnicode_CheckExact(key) || freq < 0 || freq > UINT32_MAX) {
            return 0;
        }
        longest = Py_MAX(longest, PyUnicode_GET_LENGTH(key));
    }
    /* the keys shorter first (a counting sort): a word's prefixes are in the table before it */
    Py_ssize_t *first = PyMem_Calloc((size_t)longest + 2, sizeof(Py_ssize_t));
    Word *words = PyMem_Malloc((size_t)(count ? count : 1) * sizeof(Word));
    size_t size = 8;
    while (size < 2 * (size_t)count) {
        size *= 2;
    }
    Slot *slots = size <= ROOT ? PyMem_Malloc(size * sizeof(Slot)) : NULL;
    if (first == NULL || words == NULL || slots == NULL) {
        PyMem_Free(first);
        PyMem_Free(words);
        PyMem_Free(slots);
        return 0;
    }
    for (at = 0; PyDict_Next(dict, &at, &key, &value);) {
        first[PyUnicode_GET_LENGTH(key) + 1]++;
    }
    for (Py_ssize_t length = 1; length <= longest; length++) {
        first[length] += first[length - 1];
    }
    for (at = 0; PyDict_Next(dict, &at, &key, &value);) {
        /* checked above: an exact int from 0 to 2**32 - 1 */
        words[first[PyUnicode_GET_LENGTH(key)]++] = (Word){key, PyLong_AsUnsignedLong(value)};
    }
    memset(slots, 0xFF, size * sizeof(Slot));
    t->mask = size - 1;
    t->slots = slots;
    for (Py_ssize_t k = 0; k < count; k++) {
        int kind = PyUnicode_KIND(words[k].key);
        const void *data = PyUnicode_DATA(words[k].key);
        Py_ssize_t length = PyUnicode_GET_LENGTH(words[k].key);
        uint32_t parent = ROOT;
        for (Py_ssize_t c = 0; c + 1 < length && parent != EMPTY; c++) {
            parent = child(t, parent, PyUnicode_READ(kind, data, c));
        }
        if (length == 0 || parent == EMPTY) {
            continue;
        }
        uint32_t ch = PyUnicode_READ(kind, data, length - 1);
        size_t slot = slot_of(t, parent, ch);
        while (slots[slot].parent != EMPTY) {
            slot = (slot + 1) & t->mask;
        }
        slots[slot] = (Slot){parent, ch, words[k].freq, 0};
    }
    PyMem_Free(first);
    PyMem_Free(words);
    return 1;
}

/* The table of ``dict`` as it is now, or NULL: route over the dict itself. */
static const Table *table_of(PyObject *dict) {
    uint64_t version = dict_version(dict);
    Table *t = NULL;
    for (int k = 0; k < TABLES && t == NULL; k++) {
        if (tables[k].dict == dict) {
            t = &tables[k];
        }
    }
    if (t == NULL) { /* the place of the table routed over longest ago */
        t = &tables[0];
        for (int k = 1; k < TABLES; k++) {
            t = tables[k].used < t->used ? &tables[k] : t;
        }
    }
    t->used = ++clock_now;
    if (t->dict == dict && t->version == version) {
        if (t->state == SEEN) {
            t->state = build(t, dict) ? BUILT : REFUSED;
        }
        return t->state == BUILT ? t : NULL;
    }
    PyMem_Free(t->slots);
    *t = (Table){dict, version, SEEN, clock_now, 0, NULL};
    return NULL;
}

/* jieba_cut._ends: for each start of ``block``, the end of the word the best route takes
 * there, in ``ends``; ``best`` (one more than the block's size) holds the routes' scores.
 * 0, or -1 with an exception set. */
static int route(PyObject *freq, const Table *table, PyObject *block, double total,
                 Py_ssize_t *ends, double *best) {
    int kind = PyUnicode_KIND(block);
    const void *data = PyUnicode_DATA(block);
    Py_ssize_t size = PyUnicode_GET_LENGTH(block);
    best[size] = 0.0;
    for (Py_ssize_t start = size - 1; start >= 0; start--) {
        double top = -INFINITY;
        Py_ssize_t end = 0;
        uint32_t node = ROOT;
        /* the prefixes from ``start`` while the dictionary knows them (a word's every prefix
         * is a key, 0 where it is no word) */
        for (Py_ssize_t stop = start + 1; stop <= size; stop++) {
            double score;
            int word;
            if (table != NULL) {
                node = child(table, node, PyUnicode_READ(kind, data, stop - 1));
                if (node == EMPTY) {
                    break;
                }
                uint32_t count = table->slots[node].freq;
                word = count != 0;
                score = word ? log((double)count) : 0.0;
            } else {
                PyObject *prefix = PyUnicode_Substring(block, start, stop);
                if (prefix == NULL) {
                    return -1;
                }
                PyObject *found = PyDict_GetItemWithError(freq, prefix);
                Py_DECREF(prefix);
                if (found == NULL) {
                    if (PyErr_Occurred()) {
                        return -1;
                    }
                    break;
                }
                word = word_score(found, &score);
                if (word < 0) {
                    return -1;
                }
            }
            if (word) {
                score = score - total + best[stop];
                if (score >= top) { /* jieba's max over (score, end): the later end on a tie */
                    top = score;
                    end = stop;
                }
            }
        }
        if (end) {
            best[start] = top;
            ends[start] = end;
        } else {
            best[start] = 0.0 - total + best[start + 1];
            ends[start] = start + 1;
        }
    }
    return 0;
}

static inline int ascii_alnum(Py_UCS4 ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* Append (block[from:to], latin) to ``out``: 0, or -1 with an exception set. */
static int add_word(PyObject *out, PyObject *block, Py_ssize_t from, Py_ssize_t to, int latin) {
    PyObject *word = PyUnicode_Substring(block, from, to);
    if (word == NULL) {
        return -1;
    }
    PyObject *pair = PyTuple_Pack(2, word, latin ? Py_True : Py_False);
    Py_DECREF(word);
    if (pair == NULL) {
        return -1;
    }
    int failed = PyList_Append(out, pair);
    Py_DECREF(pair);
    return failed;
}

/* jieba_cut._block_words over the route: a run of single ASCII letters and digits is one
 * Latin word (True), as jieba joins them. */
static PyObject *walk(PyObject *block, const Py_ssize_t *ends) {
    int kind = PyUnicode_KIND(block);
    const void *data = PyUnicode_DATA(block);
    Py_ssize_t size = PyUnicode_GET_LENGTH(block), latin = -1; /* where the run began */
    PyObject *out = PyList_New(0);
    for (Py_ssize_t at = 0; out != NULL && at < size; at = ends[at]) {
        Py_ssize_t end = ends[at];
        if (end - at == 1 && ascii_alnum(PyUnicode_READ(kind, data, at))) {
            if (latin < 0) {
                latin = at;
            }
            continue;
        }
        if ((latin >= 0 && add_word(out, block, latin, at, 1) < 0) ||
            add_word(out, block, at, end, 0) < 0) {
            Py_CLEAR(out);
        }
        latin = -1;
    }
    if (out != NULL && latin >= 0 && add_word(out, block, latin, size, 1) < 0) {
        Py_CLEAR(out);
    }
    return out;
}

static PyObject *block_words(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "block_words() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *freq = args[0], *block = args[1], *total = args[2];
    /* exactly a dict: the reference calls freq.get, which a subclass may change */
    if (!PyDict_CheckExact(freq)) {
        return PyErr_Format(PyExc_TypeError, "expected dict for freq, got %.100s",
                            Py_TYPE(freq)->tp_name);
    }
    if (!PyUnicode_Check(block)) {
        return PyErr_Format(PyExc_TypeError, "expected str for block, got %.100s",
                            Py_TYPE(block)->tp_name);
    }
    if (!PyFloat_Check(total)) {
        return PyErr_Format(PyExc_TypeError, "expected float for total, got %.100s",
                            Py_TYPE(total)->tp_name);
    }
    Py_ssize_t size = PyUnicode_GET_LENGTH(block);
    Py_ssize_t *ends = PyMem_Malloc((size_t)(size ? size : 1) * sizeof(Py_ssize_t));
    double *best = PyMem_Malloc((size_t)(size + 1) * sizeof(double));
    PyObject *out = NULL;
    if (ends == NULL || best == NULL) {
        PyErr_NoMemory();
    } else if (route(freq, table_of(freq), block, PyFloat_AS_DOUBLE(total), ends, best) == 0) {
        out = walk(block, ends);
    }
    PyMem_Free(ends);
    PyMem_Free(best);
    return out;
}

static PyMethodDef methods[] = {
    {"block_words", (PyCFunction)(void (*)(void))block_words, METH_FASTCALL,
     "block_words(freq, block, total, /): the words along jieba's best route, (word, True) "
     "for a joined run of single ASCII letters and digits."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "newsdesk.text._route",
    "jieba's best route through a block's word graph, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__route(void) {
    PyObject *math = PyImport_ImportModule("math");
    if (math == NULL) {
        return NULL;
    }
    math_log = PyObject_GetAttrString(math, "log");
    Py_DECREF(math);
    if (math_log == NULL) {
        return NULL;
    }
    return PyModule_Create(&module);
}
