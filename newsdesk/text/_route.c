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
    } else if (route(freq, block, PyFloat_AS_DOUBLE(total), ends, best) == 0) {
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
