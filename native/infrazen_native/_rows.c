/* Rows of PostgreSQL's binary COPY format assembled from column buffers (see apps/common/pgbinary.py).

   join_rows(n, parts) -> bytes
   parts: a sequence of tuples, one per piece of every row, in row order:
     (0, const: bytes)                          the same bytes in every row
     (1, records: buffer, width: int, validity: buffer or None, offset: int)
                                                row i's bytes are records[i*width : (i+1)*width] (the field's
                                                length and value); NULL (validity bit offset+i 0) as length -1.
     (2, offsets: buffer of int32, data: buffer, validity: buffer or None, offset: int, extra: bytes)
                                                a text value: its length (int32, big-endian, plus len(extra)),
                                                then extra, then its bytes; NULL (validity bit 0) as length -1.
   The loop runs without the GIL. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    int kind;
    Py_buffer a, b, c;
    int has_b, has_c;
    Py_ssize_t width;
    Py_ssize_t offset;
    const char *extra;
    Py_ssize_t extra_len;
} Part;

static void release(Part *parts, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++) {
        PyBuffer_Release(&parts[i].a);
        if (parts[i].has_b) PyBuffer_Release(&parts[i].b);
        if (parts[i].has_c) PyBuffer_Release(&parts[i].c);
    }
}

static inline void put_be32(char *p, int32_t v) {
    uint32_t u = (uint32_t)v;
    p[0] = (char)(u >> 24); p[1] = (char)(u >> 16); p[2] = (char)(u >> 8); p[3] = (char)u;
}

static PyObject *join_rows(PyObject *self, PyObject *args) {
    Py_ssize_t n;
    PyObject *seq;
    if (!PyArg_ParseTuple(args, "nO", &n, &seq)) return NULL;
    PyObject *fast = PySequence_Fast(seq, "parts must be a sequence");
    if (!fast) return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    Part *parts = PyMem_Calloc(count ? count : 1, sizeof(Part));
    if (!parts) { Py_DECREF(fast); return PyErr_NoMemory(); }
    Py_ssize_t got = 0, total = 0, per_row = 0;
    PyObject *out = NULL;
    for (; got < count; got++) {
        PyObject *t = PySequence_Fast_GET_ITEM(fast, got);
        Part *p = &parts[got];
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < 2) { PyErr_SetString(PyExc_TypeError, "bad part"); goto fail; }
        p->kind = (int)PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
        if (p->kind == 0) {
            if (PyObject_GetBuffer(PyTuple_GET_ITEM(t, 1), &p->a, PyBUF_SIMPLE) < 0) goto fail;
            per_row += p->a.len;
        } else if (p->kind == 1) {
            if (PyTuple_GET_SIZE(t) != 5) { PyErr_SetString(PyExc_TypeError, "bad records part"); goto fail; }
            if (PyObject_GetBuffer(PyTuple_GET_ITEM(t, 1), &p->a, PyBUF_SIMPLE) < 0) goto fail;
            p->width = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 2));
            if (p->width < 4 || p->a.len < p->width * n) { PyErr_SetString(PyExc_ValueError, "records too short"); goto fail; }
            PyObject *validity = PyTuple_GET_ITEM(t, 3);
            if (validity != Py_None) {
                if (PyObject_GetBuffer(validity, &p->c, PyBUF_SIMPLE) < 0) goto fail;
                p->has_c = 1;
            }
            p->offset = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 4));
            if (p->offset < 0 || (p->has_c && p->c.len * 8 < p->offset + n)) {
                PyErr_SetString(PyExc_ValueError, "validity too short"); goto fail;
            }
            per_row += p->width;
        } else if (p->kind == 2) {
            if (PyTuple_GET_SIZE(t) != 6) { PyErr_SetString(PyExc_TypeError, "bad text part"); goto fail; }
            if (PyObject_GetBuffer(PyTuple_GET_ITEM(t, 1), &p->a, PyBUF_SIMPLE) < 0) goto fail;
            if (PyObject_GetBuffer(PyTuple_GET_ITEM(t, 2), &p->b, PyBUF_SIMPLE) < 0) goto fail;
            p->has_b = 1;
            PyObject *validity = PyTuple_GET_ITEM(t, 3);
            if (validity != Py_None) {
                if (PyObject_GetBuffer(validity, &p->c, PyBUF_SIMPLE) < 0) goto fail;
                p->has_c = 1;
            }
            p->offset = PyLong_AsSsize_t(PyTuple_GET_ITEM(t, 4));
            PyObject *extra = PyTuple_GET_ITEM(t, 5);
            if (!PyBytes_Check(extra)) { PyErr_SetString(PyExc_TypeError, "extra must be bytes"); goto fail; }
            p->extra = PyBytes_AS_STRING(extra);
            p->extra_len = PyBytes_GET_SIZE(extra);
            const int32_t *off = (const int32_t *)p->a.buf;
            if (p->offset < 0 || p->a.len < (Py_ssize_t)sizeof(int32_t) * (p->offset + n + 1)
                || (p->has_c && p->c.len * 8 < p->offset + n)) {
                PyErr_SetString(PyExc_ValueError, "text buffers too short"); goto fail;
            }
            if (off[p->offset + n] > p->b.len || off[p->offset] < 0) {
                PyErr_SetString(PyExc_ValueError, "text offsets beyond data"); goto fail;
            }
            /* every value's 4-byte length and extra; the bytes of the valid ones */
            per_row += 4 + p->extra_len;
            total += (Py_ssize_t)(off[p->offset + n] - off[p->offset]);
        } else {
            PyErr_SetString(PyExc_ValueError, "unknown part kind"); goto fail;
        }
        if (PyErr_Occurred()) goto fail;
    }
    /* a NULL is its length -1 alone: not its bytes (if any), nor extra, nor a record's value */
    for (Py_ssize_t k = 0; k < count; k++) {
        Part *p = &parts[k];
        if (p->kind == 0 || !p->has_c) continue;
        const uint8_t *bits = (const uint8_t *)p->c.buf;
        const int32_t *off = (const int32_t *)p->a.buf;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_ssize_t j = p->offset + i;
            if (!(bits[j >> 3] & (1 << (j & 7))))
                total -= p->kind == 1 ? p->width - 4 : (off[j + 1] - off[j]) + p->extra_len;
        }
    }
    total += per_row * n;
    out = PyBytes_FromStringAndSize(NULL, total);
    if (!out) goto fail;
    char *w = PyBytes_AS_STRING(out);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        for (Py_ssize_t k = 0; k < count; k++) {
            Part *p = &parts[k];
            if (p->kind == 0) {
                memcpy(w, p->a.buf, p->a.len); w += p->a.len;
            } else {
                Py_ssize_t j = p->offset + i;
                if (p->has_c && !(((const uint8_t *)p->c.buf)[j >> 3] & (1 << (j & 7)))) {
                    put_be32(w, -1); w += 4;
                    continue;
                }
                if (p->kind == 1) {
                    memcpy(w, (const char *)p->a.buf + i * p->width, p->width); w += p->width;
                    continue;
                }
                const int32_t *off = (const int32_t *)p->a.buf;
                int32_t len = off[j + 1] - off[j];
                put_be32(w, len + (int32_t)p->extra_len); w += 4;
                if (p->extra_len) { memcpy(w, p->extra, p->extra_len); w += p->extra_len; }
                memcpy(w, (const char *)p->b.buf + off[j], len); w += len;
            }
        }
    }
    Py_END_ALLOW_THREADS
    release(parts, got);
    PyMem_Free(parts);
    Py_DECREF(fast);
    return out;
fail:
    release(parts, got < count ? got + 1 : got);
    PyMem_Free(parts);
    Py_DECREF(fast);
    Py_XDECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"join_rows", join_rows, METH_VARARGS, "Rows of the binary COPY format from column buffers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_rows", NULL, -1, methods};

PyMODINIT_FUNC PyInit__rows(void) { return PyModule_Create(&module); }
