/* Character passes of newsdesk.text.clean, newsdesk.entries and newsdesk.feeds.parse in C, with
 * the same rules as their Python references: clean.markup_to_text, clean.collapse_lines and
 * clean._sanitised's test of a str (unsafe_text), the [\W_]+ removal of entries._folded
 * (word_chars), clean.unsafe_utf8 and parse._illegal_refs's scan of a feed body.
 * tests/test_scan.py compares each with its reference on generated text and every code point;
 * the clean_text and entry-key tests compare the whole with plain oracles on 200 real feeds.
 *
 * Why C: these passes were most of the cost of turning a feed into entries (issue 27: parse at
 * <= 2x fastfeedparser). In Python each is a chain of regular-expression and str passes over
 * every summary, or over the whole body; here each is one loop.
 *
 * A pass over a str reads a str of any kind and writes characters of it (or ' ' and '\n') into
 * a buffer of the same kind: the result is never longer than its input.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t size;
} Text;

typedef struct {
    int kind;
    void *data;
    Py_ssize_t size;
} Out;

#define AT(t, i) PyUnicode_READ((t)->kind, (t)->data, (i))

static inline void put(Out *out, Py_UCS4 ch) {
    PyUnicode_WRITE(out->kind, out->data, out->size, ch);
    out->size++;
}

static void put_range(Out *out, const Text *src, Py_ssize_t from, Py_ssize_t to) {
    if (to > from) {
        memcpy((char *)out->data + out->size * out->kind,
               (const char *)src->data + from * src->kind, (size_t)(to - from) * src->kind);
        out->size += to - from;
    }
}

static inline int ascii_alnum(Py_UCS4 ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* ``name`` (lower-case ASCII) at ``at``, ASCII case folded (re.IGNORECASE | re.ASCII). */
static int name_at(const Text *t, Py_ssize_t at, const char *name) {
    for (Py_ssize_t k = 0; name[k]; k++, at++) {
        if (at >= t->size) {
            return 0;
        }
        Py_UCS4 ch = AT(t, at);
        if (ch >= 'A' && ch <= 'Z') {
            ch += 'a' - 'A';
        }
        if (ch != (Py_UCS4)(unsigned char)name[k]) {
            return 0;
        }
    }
    return 1;
}

/* From ``at`` inside a tag: [^<>]*+> ; the end of the tag, or -1 (a '<' or the end first). */
static Py_ssize_t tag_end(const Text *t, Py_ssize_t at) {
    for (; at < t->size; at++) {
        Py_UCS4 ch = AT(t, at);
        if (ch == '>') {
            return at + 1;
        }
        if (ch == '<') {
            return -1;
        }
    }
    return -1;
}

/* After a tag's name at ``at``: (?![A-Za-z0-9])[^<>]*+> ; the end of the tag, or -1. */
static Py_ssize_t tag_rest(const Text *t, Py_ssize_t at) {
    return at < t->size && ascii_alnum(AT(t, at)) ? -1 : tag_end(t, at);
}

/* The first ``wanted`` (ASCII) at or after ``from``, or -1: memchr on a one-byte str, a typed
 * loop on the wider kinds (most of every pass is this search). */
static Py_ssize_t find_char(const Text *t, Py_UCS4 wanted, Py_ssize_t from) {
    if (from >= t->size) {
        return -1;
    }
    switch (t->kind) {
        case PyUnicode_1BYTE_KIND: {
            const Py_UCS1 *data = t->data;
            const Py_UCS1 *hit = memchr(data + from, (int)wanted, (size_t)(t->size - from));
            return hit ? hit - data : -1;
        }
        case PyUnicode_2BYTE_KIND: {
            const Py_UCS2 *data = t->data;
            for (; from < t->size; from++) {
                if (data[from] == wanted) {
                    return from;
                }
            }
            return -1;
        }
        default: {
            const Py_UCS4 *data = t->data;
            for (; from < t->size; from++) {
                if (data[from] == wanted) {
                    return from;
                }
            }
            return -1;
        }
    }
}

enum { SCRIPT, STYLE, COMMENT };
static const char *const BLOCK_NAMES[] = {"script", "style"};

/* clean._DROP at ``at`` (a '<'): the block's kind and, in ``end``, where its opening ends. */
static int block_open(const Text *t, Py_ssize_t at, Py_ssize_t *end) {
    for (int kind = SCRIPT; kind <= STYLE; kind++) {
        const char *name = BLOCK_NAMES[kind];
        if (name_at(t, at + 1, name)) {
            *end = tag_rest(t, at + 1 + (Py_ssize_t)strlen(name));
            return *end < 0 ? -1 : kind;
        }
    }
    if (name_at(t, at + 1, "!--")) {
        *end = at + 4;
        return COMMENT;
    }
    return -1;
}

/* clean._CLOSE[kind].search(text, from): the end of the block's closing, or -1. */
static Py_ssize_t block_close(const Text *t, int kind, Py_ssize_t from) {
    if (kind == COMMENT) {
        for (Py_ssize_t at = from; at + 2 < t->size; at++) {
            if (AT(t, at) == '-' && AT(t, at + 1) == '-' && AT(t, at + 2) == '>') {
                return at + 3;
            }
        }
        return -1;
    }
    const char *name = BLOCK_NAMES[kind];
    for (Py_ssize_t at = find_char(t, '<', from); at >= 0; at = find_char(t, '<', at + 1)) {
        if (at + 1 < t->size && AT(t, at + 1) == '/' && name_at(t, at + 2, name)) {
            Py_ssize_t end = tag_rest(t, at + 2 + (Py_ssize_t)strlen(name));
            if (end >= 0) {
                return end;
            }
        }
    }
    return -1;
}

/* clean._drop_blocks: script, style and comment blocks become one space each. */
static void drop_blocks(const Text *t, Out *out) {
    int unclosed[3] = {0, 0, 0};
    Py_ssize_t copied = 0;  /* text before this is written (or dropped) */
    Py_ssize_t at = find_char(t, '<', 0);
    while (at >= 0) {
        Py_ssize_t open_end;
        int kind = block_open(t, at, &open_end);
        if (kind < 0) {
            at = find_char(t, '<', at + 1);
            continue;
        }
        /* finditer goes on after the opening, inside a block it drops too */
        if (at >= copied && !unclosed[kind]) {
            Py_ssize_t close_end = block_close(t, kind, open_end);
            if (close_end < 0) {
                unclosed[kind] = 1;
            } else {
                put_range(out, t, copied, at);
                put(out, ' ');
                copied = close_end;
            }
        }
        at = find_char(t, '<', open_end);
    }
    put_range(out, t, copied, t->size);
}

/* clean._BREAK at ``at`` (a '<'): where the line-breaking tag ends, or -1. */
static Py_ssize_t break_tag(const Text *t, Py_ssize_t at) {
    if (name_at(t, at + 1, "br")) {
        return tag_rest(t, at + 3);
    }
    if (at + 1 >= t->size || AT(t, at + 1) != '/') {
        return -1;
    }
    static const char *const CLOSING[] = {"p", "div", "li"};
    for (size_t k = 0; k < sizeof CLOSING / sizeof *CLOSING; k++) {
        if (name_at(t, at + 2, CLOSING[k])) {
            return tag_rest(t, at + 2 + (Py_ssize_t)strlen(CLOSING[k]));
        }
    }
    if (name_at(t, at + 2, "h") && at + 3 < t->size && AT(t, at + 3) >= '1' &&
        AT(t, at + 3) <= '6') {
        return tag_rest(t, at + 4);
    }
    return -1;
}

/* clean._TAG at ``at`` (a '<'): where the tag ends, or -1. */
static Py_ssize_t any_tag(const Text *t, Py_ssize_t at) {
    if (at + 1 >= t->size) {
        return -1;
    }
    Py_UCS4 ch = AT(t, at + 1);
    int opens = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '/' || ch == '!' ||
                ch == '?';
    return opens ? tag_end(t, at + 2) : -1;
}

/* One regex.sub pass: each match of ``tag`` becomes ``replacement``. */
static void replace_tags(const Text *t, Out *out, Py_ssize_t (*tag)(const Text *, Py_ssize_t),
                         Py_UCS4 replacement) {
    Py_ssize_t copied = 0;
    for (Py_ssize_t at = find_char(t, '<', 0); at >= 0;) {
        Py_ssize_t end = tag(t, at);
        if (end < 0) {
            at = find_char(t, '<', at + 1);
            continue;
        }
        put_range(out, t, copied, at);
        put(out, replacement);
        copied = end;
        at = find_char(t, '<', end);
    }
    put_range(out, t, copied, t->size);
}

static int read_text(PyObject *arg, Text *t) {
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %.100s", Py_TYPE(arg)->tp_name);
        return -1;
    }
    t->kind = PyUnicode_KIND(arg);
    t->data = PyUnicode_DATA(arg);
    t->size = PyUnicode_GET_LENGTH(arg);
    return 0;
}

static void *new_buffer(const Text *t) {
    void *data = PyMem_Malloc(t->size ? (size_t)t->size * t->kind : 1);
    if (data == NULL) {
        PyErr_NoMemory();
    }
    return data;
}

static PyObject *markup_to_text(PyObject *module, PyObject *arg) {
    Text src;
    if (read_text(arg, &src) < 0) {
        return NULL;
    }
    void *first = new_buffer(&src), *second = new_buffer(&src);
    if (first == NULL || second == NULL) {
        PyMem_Free(first);
        PyMem_Free(second);
        return NULL;
    }
    /* Three passes, as the reference makes them: a break tag's removal can join what stood
     * around it into one tag for the last pass. */
    Out out = {src.kind, first, 0};
    drop_blocks(&src, &out);
    Text dropped = {src.kind, first, out.size};
    out = (Out){src.kind, second, 0};
    replace_tags(&dropped, &out, break_tag, '\n');
    Text broken = {src.kind, second, out.size};
    out = (Out){src.kind, first, 0};
    replace_tags(&broken, &out, any_tag, ' ');
    PyObject *result = PyUnicode_FromKindAndData(src.kind, first, out.size);
    PyMem_Free(first);
    PyMem_Free(second);
    return result;
}

/* The spaces clean.collapse_lines makes one ' ' (clean._SPACES), and ' ' itself. */
static inline int run_space(Py_UCS4 ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v' || ch == 0xA0 ||
           ch == 0x3000;
}

/* clean.collapse_lines over one kind of str: each line stripped (str.strip), its runs of
 * spaces made one ' ', blank lines dropped; the length written to ``out``. */
#define COLLAPSE_LINES(NAME, TYPE)                                                      \
    static Py_ssize_t NAME(const TYPE *src, Py_ssize_t size, TYPE *out) {               \
        Py_ssize_t written = 0;                                                         \
        for (Py_ssize_t start = 0; start <= size;) {                                    \
            Py_ssize_t end = start;                                                     \
            while (end < size && src[end] != '\n') {                                    \
                end++;                                                                  \
            }                                                                           \
            Py_ssize_t first = start, last = end;                                       \
            while (first < last && Py_UNICODE_ISSPACE(src[first])) {                    \
                first++;                                                                \
            }                                                                           \
            while (last > first && Py_UNICODE_ISSPACE(src[last - 1])) {                 \
                last--;                                                                 \
            }                                                                           \
            if (first < last) {                                                         \
                if (written) {                                                          \
                    out[written++] = '\n';                                              \
                }                                                                       \
                int spaced = 0;                                                         \
                for (Py_ssize_t at = first; at < last; at++) {                          \
                    Py_UCS4 ch = src[at];                                               \
                    if (!run_space(ch)) {                                               \
                        out[written++] = (TYPE)ch;                                      \
                        spaced = 0;                                                     \
                    } else if (!spaced) {                                               \
                        out[written++] = ' ';                                           \
                        spaced = 1;                                                     \
                    }                                                                   \
                }                                                                       \
            }                                                                           \
            start = end + 1;                                                            \
        }                                                                               \
        return written;                                                                 \
    }

COLLAPSE_LINES(collapse_ucs1, Py_UCS1)
COLLAPSE_LINES(collapse_ucs2, Py_UCS2)
COLLAPSE_LINES(collapse_ucs4, Py_UCS4)

/* A pass writing at most the characters of a str, of its kind: the length written. */
typedef Py_ssize_t (*Pass)(const Text *src, void *out);

/* ``pass`` over the str ``arg``: a new str of what it wrote. */
static PyObject *rewritten(PyObject *arg, Pass pass) {
    Text t;
    if (read_text(arg, &t) < 0) {
        return NULL;
    }
    void *data = new_buffer(&t);
    if (data == NULL) {
        return NULL;
    }
    PyObject *result = PyUnicode_FromKindAndData(t.kind, data, pass(&t, data));
    PyMem_Free(data);
    return result;
}

static Py_ssize_t collapse(const Text *t, void *out) {
    switch (t->kind) {
        case PyUnicode_1BYTE_KIND:
            return collapse_ucs1(t->data, t->size, out);
        case PyUnicode_2BYTE_KIND:
            return collapse_ucs2(t->data, t->size, out);
        default:
            return collapse_ucs4(t->data, t->size, out);
    }
}

static PyObject *lines(PyObject *module, PyObject *arg) { return rewritten(arg, collapse); }

static Py_ssize_t letters_and_digits(const Text *t, void *data) {
    Out out = {t->kind, data, 0};
    for (Py_ssize_t at = 0; at < t->size; at++) {
        Py_UCS4 ch = AT(t, at);
        if (Py_UNICODE_ISALNUM(ch)) {  /* re's \w but '_' */
            put(&out, ch);
        }
    }
    return out.size;
}

static PyObject *word_chars(PyObject *module, PyObject *arg) {
    return rewritten(arg, letters_and_digits);
}

/* A byte that may start what unsafe_utf8 looks for: a C0 control sanitise drops, or the
 * first byte of U+FFFE and U+FFFF (EF BF BE, EF BF BF). */
static unsigned char SUSPECT_BYTE[256];

static void init_suspect_bytes(void) {
    for (int b = 0; b < 0x20; b++) {
        SUSPECT_BYTE[b] = b != '\t' && b != '\n' && b != '\r';
    }
    SUSPECT_BYTE[0xEF] = 1;
}

static inline int unsafe_at(const unsigned char *at, const unsigned char *end) {
    return SUSPECT_BYTE[*at] &&
           (*at != 0xEF || (end - at >= 3 && at[1] == 0xBF && (at[2] == 0xBE || at[2] == 0xBF)));
}

/* A test of a bytes-like object's bytes from ``at`` to ``end``. */
typedef int (*ByteScan)(const unsigned char *at, const unsigned char *end);

static PyObject *scanned(PyObject *arg, ByteScan scan) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    int found = scan(view.buf, (const unsigned char *)view.buf + view.len);
    PyBuffer_Release(&view);
    return PyBool_FromLong(found);
}

static int has_unsafe_utf8(const unsigned char *at, const unsigned char *end) {
    int found = 0;
    /* Eight bytes at a time: most words hold no byte below 0x20 and no 0xEF, which the two
     * bit tests tell at once (they may flag a byte above a true one, never miss one); only
     * a flagged word is looked at byte by byte. */
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (; !found && end - at >= 8; at += 8) {
        uint64_t word, ef;
        memcpy(&word, at, 8);
        ef = word ^ (0xEF * ones);
        if (((word - 0x20 * ones) & ~word & highs) | ((ef - ones) & ~ef & highs)) {
            for (int k = 0; k < 8 && !found; k++) {
                found = unsafe_at(at + k, end);
            }
        }
    }
    for (; at < end && !found; at++) {
        found = unsafe_at(at, end);
    }
    return found;
}

static PyObject *unsafe_utf8(PyObject *module, PyObject *arg) {
    return scanned(arg, has_unsafe_utf8);
}

/* What clean.sanitise changes in a str: a C0 control but tab, newline and CR, U+FFFE, U+FFFF,
 * or a surrogate (a lone one; a pair that arrived as two code points is joined). */
static inline int unsafe_char(Py_UCS4 ch) {
    return ch < 0x20 ? ch != '\t' && ch != '\n' && ch != '\r'
                     : (ch >= 0xD800 && ch <= 0xDFFF) || ch == 0xFFFE || ch == 0xFFFF;
}

static PyObject *unsafe_text(PyObject *module, PyObject *arg) {
    Text t;
    if (read_text(arg, &t) < 0) {
        return NULL;
    }
    int found = 0;
    for (Py_ssize_t at = 0; at < t.size && !found; at++) {
        found = unsafe_char(AT(&t, at));
    }
    return PyBool_FromLong(found);
}

static inline int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}

static inline int decimal_value(unsigned char c) { return c >= '0' && c <= '9' ? c - '0' : -1; }

/* parse._legal_ref: a character XML 1.0 allows. */
static inline int xml_char(unsigned long long code) {
    return code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
           (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
}

/* Whether a reference parse._CHAR_REF matches (&#x + 1-8 hex digits + ';', or &# + 1-10
 * digits + ';') names a character XML does not allow. */
static int has_illegal_char_ref(const unsigned char *at, const unsigned char *end) {
    int found = 0;
    while (!found && (at = memchr(at, '&', (size_t)(end - at))) != NULL) {
        at++;
        if (at >= end || *at != '#') {
            continue;
        }
        const unsigned char *digit = at + 1;
        int hex = digit < end && (*digit == 'x' || *digit == 'X');
        int base = hex ? 16 : 10, most = hex ? 8 : 10, count = 0, value;
        unsigned long long code = 0;
        digit += hex;
        /* one digit past the most: then the reference is no match */
        while (digit < end && count <= most &&
               (value = hex ? hex_value(*digit) : decimal_value(*digit)) >= 0) {
            code = code * base + value;
            count++;
            digit++;
        }
        found = count >= 1 && count <= most && digit < end && *digit == ';' && !xml_char(code);
    }
    return found;
}

static PyObject *illegal_char_refs(PyObject *module, PyObject *arg) {
    return scanned(arg, has_illegal_char_ref);
}

static PyMethodDef methods[] = {
    {"markup_to_text", markup_to_text, METH_O,
     "Tags removed (block ends become line breaks); script, style and comments dropped."},
    {"lines", lines, METH_O,
     "Runs of spaces, tabs, CR, FF, VT, NBSP and ideographic spaces made one space, lines "
     "trimmed, blank ones dropped."},
    {"word_chars", word_chars, METH_O, "The letters and digits of a text (re's \\w but '_')."},
    {"unsafe_utf8", unsafe_utf8, METH_O,
     "Whether UTF-8 bytes hold a C0 control but tab, newline and CR, or U+FFFE or U+FFFF."},
    {"unsafe_text", unsafe_text, METH_O,
     "Whether a str holds a C0 control but tab, newline and CR, U+FFFE, U+FFFF or a surrogate."},
    {"illegal_char_refs", illegal_char_refs, METH_O,
     "Whether bytes hold a numeric character reference to a character XML does not allow."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "newsdesk.text._scan",
    "Character passes of newsdesk.text.clean and newsdesk.entries, in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__scan(void) {
    init_suspect_bytes();
    return PyModule_Create(&module);
}
