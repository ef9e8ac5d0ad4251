/* jieba's best route through a block's word graph (newsdesk.text.jieba_cut._ends) and the
 * block's words along it (jieba_cut._block_words), in C, with the same rules as the Python
 * references: tests/test_route.py compares them on generated blocks and test_jieba_cut.py
 * compares the whole cut with jieba's own on the project's corpora.
 *
 * Why C: every draft a desk checks is POS-tagged, and the route was a quarter of a new draft's
 * checks (issue 22 item 8: a new draft <= 10 ms): one dictionary look-up, one slice and one
 * log per prefix, in bytecode. Here the same look-ups run in one loop.
 *
 * The route must be jieba's to the last bit (a different tie changes the words, then the tags,
 * then the checks' findings), so the scores are the reference's float operations in its order:
 * (log(freq) - total) + best[stop], ties to the later end; a start no word begins at is the
 * character alone at frequency 1, (0.0 - total) + best[start + 1]. No multiplication, so no
 * contraction into a fused multiply-add can change a rounding.
 *
 * ``tagged`` is names.tagged_tokens over the route (the reference: names._tagged_reference,
 * compared by test_route.py on generated text and by test_jieba_cut.py on the corpora):
 * posseg's blocks and what lies between them, each block's words and tags, runs of single
 * unknown characters handed to the HMM (a Python callback), and the Token tuples with their
 * offsets. Its Python loop, a tuple, a tag look-up and a Token a word, was the largest part of
 * a new draft's checks after the route. A Token of two str and two int can be part of no
 * reference cycle (but one through its class, which lives as long as the process), so it
 * leaves the collector's lists at once, as CPython takes an exact tuple of atoms out of them
 * at a collection (never a subclass's): the checks keep hundreds of them per draft in their
 * caches, which every collection walked.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

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
    Py_INCREF(value); /* __bool__ and math.log may run Python code that changes the dict */
    int truth = PyObject_IsTrue(value);
    PyObject *logged = truth > 0 ? PyObject_CallOneArg(math_log, value) : NULL;
    Py_DECREF(value);
    if (truth <= 0) {
        return truth;
    }
    if (logged == NULL) {
        return -1;
    }
    *score = PyFloat_AsDouble(logged);
    Py_DECREF(logged);
    return 1;
}

/* jieba_cut._ends: for each start of ``block``, the end of the word the best route takes
 * there, in ``ends``; ``best`` (one more than the block's size) holds the routes' scores.
 * 0, or -1 with an exception set. */
static int route(PyObject *freq, PyObject *block, double total, Py_ssize_t *ends, double *best) {
    Py_ssize_t size = PyUnicode_GET_LENGTH(block);
    best[size] = 0.0;
    for (Py_ssize_t start = size - 1; start >= 0; start--) {
        double top = -INFINITY;
        Py_ssize_t end = 0;
        /* the prefixes from ``start`` while the dictionary knows them (a word's every prefix
         * is a key, 0 where it is no word) */
        for (Py_ssize_t stop = start + 1; stop <= size; stop++) {
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
            double score;
            int word = word_score(found, &score);
            if (word < 0) {
                return -1;
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

/* Called for each word of a block's route: block[from:to], latin when it is a joined run of
 * single ASCII letters and digits. 0, or -1 with an exception set. */
typedef int (*word_sink)(void *context, Py_ssize_t from, Py_ssize_t to, int latin);

/* jieba_cut._block_words over the route: a run of single ASCII letters and digits is one
 * Latin word, as jieba joins them. 0, or -1 with an exception set. */
static int walk(PyObject *block, const Py_ssize_t *ends, word_sink sink, void *context) {
    int kind = PyUnicode_KIND(block);
    const void *data = PyUnicode_DATA(block);
    Py_ssize_t size = PyUnicode_GET_LENGTH(block), latin = -1; /* where the run began */
    for (Py_ssize_t at = 0; at < size; at = ends[at]) {
        Py_ssize_t end = ends[at];
        if (end - at == 1 && ascii_alnum(PyUnicode_READ(kind, data, at))) {
            if (latin < 0) {
                latin = at;
            }
            continue;
        }
        if ((latin >= 0 && sink(context, latin, at, 1) < 0) || sink(context, at, end, 0) < 0) {
            return -1;
        }
        latin = -1;
    }
    return latin >= 0 ? sink(context, latin, size, 1) : 0;
}

/* ``walk`` along the block's best route: 0, or -1 with an exception set. */
static int walk_route(PyObject *freq, PyObject *block, double total, word_sink sink,
                      void *context) {
    Py_ssize_t size = PyUnicode_GET_LENGTH(block);
    Py_ssize_t *ends = PyMem_Malloc((size_t)(size ? size : 1) * sizeof(Py_ssize_t));
    double *best = PyMem_Malloc((size_t)(size + 1) * sizeof(double));
    int failed = -1;
    if (ends == NULL || best == NULL) {
        PyErr_NoMemory();
    } else if (route(freq, block, total, ends, best) == 0) {
        failed = walk(block, ends, sink, context);
    }
    PyMem_Free(ends);
    PyMem_Free(best);
    return failed;
}

typedef struct {
    PyObject *block;
    PyObject *out;
} pair_list;

/* block_words' sink: append (block[from:to], latin) to the list. */
static int add_pair(void *context, Py_ssize_t from, Py_ssize_t to, int latin) {
    pair_list *pairs = context;
    PyObject *word = PyUnicode_Substring(pairs->block, from, to);
    if (word == NULL) {
        return -1;
    }
    PyObject *pair = PyTuple_Pack(2, word, latin ? Py_True : Py_False);
    Py_DECREF(word);
    if (pair == NULL) {
        return -1;
    }
    int failed = PyList_Append(pairs->out, pair);
    Py_DECREF(pair);
    return failed;
}

static int check_type(PyObject *value, int ok, const char *name, const char *expected) {
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "expected %s for %s, got %.100s", expected, name,
                     Py_TYPE(value)->tp_name);
    }
    return ok;
}

/* exactly a dict: the reference calls its get, which a subclass may change */
#define CHECK_DICT(value, name) check_type(value, PyDict_CheckExact(value), name, "dict")
#define CHECK_STR(value, name) check_type(value, PyUnicode_Check(value), name, "str")
#define CHECK_FLOAT(value, name) check_type(value, PyFloat_Check(value), name, "float")

static PyObject *block_words(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "block_words() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *freq = args[0], *block = args[1], *total = args[2];
    if (!CHECK_DICT(freq, "freq") || !CHECK_STR(block, "block") || !CHECK_FLOAT(total, "total")) {
        return NULL;
    }
    pair_list pairs = {block, PyList_New(0)};
    if (pairs.out != NULL &&
        walk_route(freq, block, PyFloat_AS_DOUBLE(total), add_pair, &pairs) < 0) {
        Py_CLEAR(pairs.out);
    }
    return pairs.out;
}

/* posseg's block characters (jieba.posseg.re_han_internal): 一-鿕, ASCII letters and digits,
 * + # & . _ */
static inline int in_block(Py_UCS4 ch) {
    return (ch >= 0x4E00 && ch <= 0x9FD5) || ascii_alnum(ch) || ch == '+' || ch == '#' ||
           ch == '&' || ch == '.' || ch == '_';
}

/* A word tagged_tokens gathers into a run for the HMM: one character of U+4E00-U+9FFF. */
static inline int run_character(Py_UCS4 ch) { return ch >= 0x4E00 && ch <= 0x9FFF; }

typedef struct {
    PyObject *text, *tags, *token_type, *guess, *out;
    PyObject *block; /* the block being walked, and where it starts in text */
    Py_ssize_t block_at;
    Py_ssize_t run_max;
    Py_ssize_t position;           /* the reference's: the lengths of the words so far */
    Py_ssize_t run_start, run_len; /* the run of single characters, in text */
} tagging;

static PyObject *flag_x, *flag_eng;
/* What a class statement's tuple subclass is freed by (CPython's subtype_dealloc), read from one
 * made at import. */
static destructor class_dealloc;

/* Append Token(word, flag, position, position + len(word)) unless the word is all
 * whitespace (the reference's ``word.strip()``); the position moves on either way. */
static int add_token(tagging *state, PyObject *word, PyObject *flag) {
    Py_ssize_t size = PyUnicode_GET_LENGTH(word), start = state->position;
    state->position += size;
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    Py_ssize_t at = 0;
    while (at < size && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, at))) {
        at++;
    }
    if (at == size) {
        return 0;
    }
    PyTypeObject *type = (PyTypeObject *)state->token_type;
    PyObject *token = type->tp_alloc(type, 4);
    if (token == NULL) {
        return -1;
    }
    PyObject *low = PyLong_FromSsize_t(start), *high = PyLong_FromSsize_t(state->position);
    Py_INCREF(word);
    Py_INCREF(flag);
    PyTuple_SET_ITEM(token, 0, word);
    PyTuple_SET_ITEM(token, 1, flag);
    PyTuple_SET_ITEM(token, 2, low);
    PyTuple_SET_ITEM(token, 3, high);
    if (low == NULL || high == NULL) {
        Py_DECREF(token);
        return -1;
    }
    if (PyUnicode_CheckExact(word) && PyUnicode_CheckExact(flag)) {
        PyObject_GC_UnTrack(token); /* atoms only: no cycle can pass through it */
    }
    int failed = PyList_Append(state->out, token);
    Py_DECREF(token);
    return failed;
}

/* The tag of a dictionary word: tags.get(word, "x"), a new reference or NULL. */
static PyObject *tag_of(tagging *state, PyObject *word) {
    PyObject *flag = PyDict_GetItemWithError(state->tags, word);
    if (flag == NULL && PyErr_Occurred()) {
        return NULL;
    }
    flag = flag != NULL ? flag : flag_x;
    Py_INCREF(flag);
    return flag;
}

/* The Token of text[from:to], tagged ``flag`` (NULL: its dictionary tag). 0, or -1 with an
 * exception set. */
static int add_text(tagging *state, Py_ssize_t from, Py_ssize_t to, PyObject *flag) {
    PyObject *word = PyUnicode_Substring(state->text, from, to);
    if (word == NULL) {
        return -1;
    }
    PyObject *tag = flag != NULL ? (Py_INCREF(flag), flag) : tag_of(state, word);
    int failed = tag == NULL ? -1 : add_token(state, word, tag);
    Py_DECREF(word);
    Py_XDECREF(tag);
    return failed;
}

/* The run's words (the reference's ``_guessed``): the HMM's for a run of 2 to run_max
 * characters, else each character with its tag. 0, or -1 with an exception set. */
static int end_run(tagging *state) {
    Py_ssize_t start = state->run_start, size = state->run_len;
    state->run_len = 0;
    if (size == 0) {
        return 0;
    }
    if (size > 1 && size <= state->run_max) {
        PyObject *run = PyUnicode_Substring(state->text, start, start + size);
        PyObject *pairs = run != NULL ? PyObject_CallOneArg(state->guess, run) : NULL;
        Py_XDECREF(run);
        /* a tuple of its own: a finalizer that a Token's allocation sets off (a collection)
         * cannot change it, so the pairs stay alive while their words are used */
        PyObject *items = pairs != NULL && (PyList_Check(pairs) || PyTuple_Check(pairs))
                              ? PySequence_Tuple(pairs)
                              : NULL;
        if (pairs != NULL && items == NULL && !PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "guess() must give a list or tuple");
        }
        Py_XDECREF(pairs);
        if (items == NULL) {
            return -1;
        }
        int failed = 0;
        for (Py_ssize_t i = 0; !failed && i < PyTuple_GET_SIZE(items); i++) {
            PyObject *pair = PyTuple_GET_ITEM(items, i);
            if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2 ||
                !PyUnicode_Check(PyTuple_GET_ITEM(pair, 0))) {
                PyErr_SetString(PyExc_TypeError, "guess() must give (word, flag) pairs");
                failed = -1;
            } else {
                failed = add_token(state, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
            }
        }
        Py_DECREF(items);
        return failed;
    }
    for (Py_ssize_t at = start; at < start + size; at++) {
        /* a character between blocks is tagged x; one of a block has its dictionary tag */
        PyObject *flag = in_block(PyUnicode_READ_CHAR(state->text, at)) ? NULL : flag_x;
        if (add_text(state, at, at + 1, flag) < 0) {
            return -1;
        }
    }
    return 0;
}

/* One word of posseg's cut, text[from:to] (flag NULL: its dictionary tag): a single run
 * character joins the run, any other word ends it first. 0, or -1 with an exception set. */
static int add_word(tagging *state, Py_ssize_t from, Py_ssize_t to, PyObject *flag) {
    if (to - from == 1 && run_character(PyUnicode_READ_CHAR(state->text, from))) {
        if (state->run_len++ == 0) {
            state->run_start = from;
        }
        return 0;
    }
    return end_run(state) < 0 ? -1 : add_text(state, from, to, flag);
}

/* tagged's sink for a block's words: Latin ones are eng, the others their tag. */
static int add_block_word(void *context, Py_ssize_t from, Py_ssize_t to, int latin) {
    tagging *state = context;
    return add_word(state, state->block_at + from, state->block_at + to, latin ? flag_eng : NULL);
}

static PyObject *tagged(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "tagged() takes 7 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *freq = args[0], *total = args[2];
    tagging state = {.text = args[3], .tags = args[1], .token_type = args[4], .guess = args[5]};
    if (!CHECK_DICT(freq, "freq") || !CHECK_DICT(state.tags, "tags") ||
        !CHECK_FLOAT(total, "total") || !CHECK_STR(state.text, "text")) {
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)state.token_type;
    /* a class statement's direct subclass of tuple (a named tuple) without a __dict__: its items
     * are all it holds, and its dealloc is a Python class's (a struct sequence, os.stat_result,
     * is a tuple subclass too, but keeps fields past its items and frees them itself) */
    if (!check_type(state.token_type,
                    PyType_Check(state.token_type) && type->tp_base == &PyTuple_Type &&
                        type->tp_dealloc == class_dealloc && type->tp_dictoffset == 0,
                    "token", "a tuple subclass without a __dict__")) {
        return NULL;
    }
    state.run_max = PyLong_AsSsize_t(args[6]);
    if (state.run_max == -1 && PyErr_Occurred()) {
        return NULL;
    }
    state.out = PyList_New(0);
    Py_ssize_t size = PyUnicode_GET_LENGTH(state.text), at = 0;
    while (state.out != NULL && at < size) {
        Py_ssize_t end = at;
        int failed = 0;
        if (in_block(PyUnicode_READ_CHAR(state.text, at))) {
            while (end < size && in_block(PyUnicode_READ_CHAR(state.text, end))) {
                end++;
            }
            state.block = PyUnicode_Substring(state.text, at, end);
            state.block_at = at;
            failed = state.block == NULL ||
                     walk_route(freq, state.block, PyFloat_AS_DOUBLE(total), add_block_word,
                                &state) < 0;
            Py_CLEAR(state.block);
        } else {
            /* between blocks: "\r\n" as one word, every other character alone, tagged x */
            int pair = PyUnicode_READ_CHAR(state.text, at) == '\r' && at + 1 < size &&
                       PyUnicode_READ_CHAR(state.text, at + 1) == '\n';
            end = at + 1 + pair;
            failed = add_word(&state, at, end, flag_x) < 0;
        }
        if (failed) {
            Py_CLEAR(state.out);
        }
        at = end;
    }
    if (state.out != NULL && end_run(&state) < 0) {
        Py_CLEAR(state.out);
    }
    return state.out;
}

static PyMethodDef methods[] = {
    {"block_words", (PyCFunction)(void (*)(void))block_words, METH_FASTCALL,
     "block_words(freq, block, total, /): the words along jieba's best route, (word, True) "
     "for a joined run of single ASCII letters and digits."},
    {"tagged", (PyCFunction)(void (*)(void))tagged, METH_FASTCALL,
     "tagged(freq, tags, total, text, token, guess, run_max, /): names.tagged_tokens: "
     "token(word, flag, start, end) for each word of posseg's cut without the HMM, runs of 2 "
     "to run_max single characters of U+4E00-U+9FFF replaced by guess(run)'s (word, flag)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "newsdesk.text._route",
    "jieba's best route through a block's word graph and posseg's tagging over it, in C.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__route(void) {
    PyObject *math = PyImport_ImportModule("math");
    if (math == NULL) {
        return NULL;
    }
    math_log = PyObject_GetAttrString(math, "log");
    Py_DECREF(math);
    flag_x = PyUnicode_InternFromString("x");
    flag_eng = PyUnicode_InternFromString("eng");
    PyObject *probe = PyObject_CallFunction((PyObject *)&PyType_Type, "s(O){s:()}", "_Probe",
                                            (PyObject *)&PyTuple_Type, "__slots__");
    if (math_log == NULL || flag_x == NULL || flag_eng == NULL || probe == NULL) {
        Py_XDECREF(probe);
        return NULL;
    }
    class_dealloc = ((PyTypeObject *)probe)->tp_dealloc;
    Py_DECREF(probe);
    return PyModule_Create(&module);
}
