/* SysWriters: which lines of a flow write, and the readers' tables; see syswriters.h. */

#include "syswriters.h"

#include "lineset.h"

#if COVCORE_HAS_SYSMON

/* Which lines write.  A reading line must tell its incoming arcs apart by
 * the frame's last written line, so the sets of lines that can be last
 * written when each arc is taken must not overlap.  Writers cost an event
 * every time, so few are chosen: starting from none (the entry, written by
 * PY_START, always counts), each conflict at a reader makes one more line
 * write (see pick_writer()), until no reader has a conflict.  The "last
 * written" sets are a data flow over the line graph: a writer's set is
 * itself, any other line's is the union of its predecessors'.
 */
#define MAX_CHOSEN_LINES 400
#define MAX_ROUNDS 64

typedef uint64_t Bits;
#define BITS_WORDS(n) (((n) + 63) / 64)

static inline int
bit_has(const Bits *b, Py_ssize_t i)
{
    return (int)((b[i / 64] >> (i % 64)) & 1);
}

static inline void
bit_set(Bits *b, Py_ssize_t i)
{
    b[i / 64] |= (Bits)1 << (i % 64);
}


/* The "last written" sets for the current writers, to a fixed point: node
 * `n` is the entry.  An `optional` writer (NULL: none) may or may not
 * write: what reaches it passes on too.
 */
static void
data_flow(CodeFlow *flow, Bits *out, Py_ssize_t words, int exit_line, const char *optional)
{
    Py_ssize_t n = flow->n_lines;
    memset(out, 0, (size_t)((n + 1) * words) * sizeof(Bits));
    bit_set(&out[n * words], n);
    for (Py_ssize_t l = 0; l < n; l++) {
        /* A cleanup location writes its line (see raise_locations() in sysflow.c). */
        if (flow->line_info[l].writes || flow->line_info[l].has_cleanup) {
            bit_set(&out[l * words], l);
        }
    }
    int changed = 1;
    while (changed) {
        changed = 0;
        for (Py_ssize_t l = 0; l < n; l++) {
            FlowLine *info = &flow->line_info[l];
            if (info->writes && (optional == NULL || !optional[l])) {
                continue;
            }
            Bits *mine = &out[l * words];
            for (Py_ssize_t k = 0; k < info->in_count; k++) {
                int from = arc_from(flow->in_arcs[info->in_start + k]);
                Py_ssize_t p = from == exit_line ? n : from - flow->min_line;
                for (Py_ssize_t w = 0; w < words; w++) {
                    Bits more = out[p * words + w] & ~mine[w];
                    if (more) {
                        mine[w] |= more;
                        changed = 1;
                    }
                }
            }
        }
    }
}

static inline Py_ssize_t
source_node(const CodeFlow *flow, const FlowLine *reader, Py_ssize_t k, int exit_line)
{
    int from = arc_from(flow->in_arcs[reader->in_start + k]);
    return from == exit_line ? flow->n_lines : from - flow->min_line;
}

/* How many pairs of a reader's incoming arcs share a possible last written line. */
static Py_ssize_t
conflicts(const CodeFlow *flow, const FlowLine *reader, const Bits *out, Py_ssize_t words, int exit_line)
{
    Py_ssize_t count = 0;
    for (Py_ssize_t k = 1; k < reader->in_count; k++) {
        const Bits *b = &out[source_node(flow, reader, k, exit_line) * words];
        for (Py_ssize_t j = 0; j < k; j++) {
            const Bits *a = &out[source_node(flow, reader, j, exit_line) * words];
            Py_ssize_t w = 0;
            while (w < words && (a[w] & b[w]) == 0) {
                w++;
            }
            count += w < words;
        }
    }
    return count;
}

/* How many back arcs (to a line not after their own) span each line: a
 * line inside loops runs more often, so it makes a costlier writer.
 */
static void
loop_depths(const CodeFlow *flow, int exit_line, int *depth)
{
    for (Py_ssize_t l = 0; l < flow->n_lines; l++) {
        depth[l] = 0;
    }
    for (Py_ssize_t i = 0; i < flow->n_arcs; i++) {
        int from = arc_from(flow->arcs[i]), to = arc_to(flow->arcs[i]);
        if (from == exit_line || to == exit_line || to > from) {
            continue;
        }
        for (int line = to; line <= from; line++) {
            if (CodeFlow_Line(flow, line) != NULL) {
                depth[line - flow->min_line]++;
            }
        }
    }
}

#define WRITER_TRIALS 6
#define MAX_TRIED_LINES 150     /* longer code: no trials, the fallback rule */

/* A writer that lessens the conflicts at `reader`, where the arcs from
 * sources `j` < `k` share a last written line.  Candidates are the two
 * sources and the lines just before them, the least deep in loops first
 * (then the later placed): a loop header's own predecessor outside the loop
 * writes once per loop where the header would write once per iteration.
 * Each is tried on `scratch`; the later-placed unwritten source of the
 * first k + 1 arcs is the fallback.  Returns a line index, or -1.
 */
static Py_ssize_t
pick_writer(CodeFlow *flow, const FlowLine *reader, Py_ssize_t j, Py_ssize_t k, const int *depth,
            Bits *scratch, Py_ssize_t words, int exit_line, const Bits *out)
{
    Py_ssize_t cands[WRITER_TRIALS * 2];
    Py_ssize_t n_cands = 0;
    Py_ssize_t ends[2] = {source_node(flow, reader, k, exit_line), source_node(flow, reader, j, exit_line)};
    for (int e = 0; e < 2; e++) {
        Py_ssize_t v = ends[e];
        if (v >= flow->n_lines) {
            continue;
        }
        if (n_cands < WRITER_TRIALS * 2) {
            cands[n_cands++] = v;
        }
        const FlowLine *info = &flow->line_info[v];
        for (Py_ssize_t i = 0; i < info->in_count && n_cands < WRITER_TRIALS * 2; i++) {
            Py_ssize_t p = source_node(flow, info, i, exit_line);
            if (p < flow->n_lines) {
                cands[n_cands++] = p;
            }
        }
    }
    /* Shallow first, then later placed (insertion sort: a dozen at most). */
    for (Py_ssize_t a = 1; a < n_cands; a++) {
        Py_ssize_t c = cands[a], b = a;
        while (b > 0 && (depth[cands[b - 1]] > depth[c] || (depth[cands[b - 1]] == depth[c] && cands[b - 1] < c))) {
            cands[b] = cands[b - 1];
            b--;
        }
        cands[b] = c;
    }
    Py_ssize_t before = conflicts(flow, reader, out, words, exit_line);
    int tried = flow->n_lines > MAX_TRIED_LINES ? WRITER_TRIALS : 0;
    for (Py_ssize_t a = 0; a < n_cands && tried < WRITER_TRIALS; a++) {
        FlowLine *cand = &flow->line_info[cands[a]];
        if (cand->writes || (a > 0 && cands[a] == cands[a - 1])) {
            continue;
        }
        tried++;
        cand->writes = 1;
        data_flow(flow, scratch, words, exit_line, NULL);
        cand->writes = 0;
        if (conflicts(flow, reader, scratch, words, exit_line) < before) {
            return cands[a];
        }
    }
    Py_ssize_t pick = -1;
    for (Py_ssize_t i = 0; i <= k; i++) {
        Py_ssize_t v = source_node(flow, reader, i, exit_line);
        if (v < flow->n_lines && !flow->line_info[v].writes && (pick < 0 || v > pick)) {
            pick = v;
        }
    }
    return pick;
}

/* A growable list of (writer, reader) pairs: the readers each writer serves. */
typedef struct Pair {
    int writer, reader;
} Pair;

typedef struct Pairs {
    Pair *items;    /* owned */
    Py_ssize_t n, alloc;
} Pairs;

static int
pairs_add(Pairs *pairs, int writer, int reader)
{
    if (COV_RESERVE(pairs->items, pairs->n, pairs->alloc, 32) < 0) {
        return RET_ERROR;
    }
    pairs->items[pairs->n].writer = writer;
    pairs->items[pairs->n].reader = reader;
    pairs->n++;
    return RET_OK;
}

/* For each writing line, the readers it serves (`pairs`): once those are
 * all complete, its events are no longer needed.
 */
static int
serve_readers(CodeFlow *flow, const Pairs *pairs)
{
    flow->served = PyMem_Malloc(((size_t)pairs->n + 1) * sizeof(int));
    if (flow->served == NULL) {
        PyErr_NoMemory();
        return RET_ERROR;
    }
    for (int l = 0; l < flow->n_lines; l++) {
        flow->line_info[l].served_count = 0;
    }
    for (Py_ssize_t i = 0; i < pairs->n; i++) {
        flow->line_info[pairs->items[i].writer].served_count++;
    }
    Py_ssize_t start = 0;
    for (int l = 0; l < flow->n_lines; l++) {
        flow->line_info[l].served_start = start;
        start += flow->line_info[l].served_count;
        flow->line_info[l].served_count = 0;
    }
    for (Py_ssize_t i = 0; i < pairs->n; i++) {
        FlowLine *writer = &flow->line_info[pairs->items[i].writer];
        flow->served[writer->served_start + writer->served_count++] = pairs->items[i].reader;
    }
    return RET_OK;
}

/* The decoding tables: each reader maps every line that can be last
 * written when a frame arrives to the arc it arrived by.  A reader needs
 * only some writers (its *essential* ones): the others are made optional
 * one by one, the most deeply looped first, while its arcs stay told apart
 * (see data_flow()).  Its table then allows for every optional writer
 * writing or not, so those stop as soon as their own readers are done: a
 * loop's writer that tells the loop header's two arcs apart need not keep
 * writing for a join after the loop, which its predecessor outside the
 * loop tells.  In the simple rule (or long code) every writer is essential
 * and the last written line is the previous line itself.
 */
static int
decode_tables(CodeFlow *flow, int exit_line, int simple, const Bits *out, Bits *scratch, Py_ssize_t words,
              const int *depth)
{
    int ret = RET_ERROR;
    Py_ssize_t n = flow->n_lines;
    Pairs pairs = {NULL, 0, 0};
    char *optional = NULL;          /* owned: per line */
    Py_ssize_t *order = NULL;       /* owned: the writers, the order to try them in */
    Py_ssize_t n_writers = 0;
    Py_ssize_t n_decode = 0, decode_alloc = 0;
    int greedy = !simple && n <= MAX_TRIED_LINES;

    optional = PyMem_Calloc((size_t)n + 1, 1);
    order = PyMem_Malloc(((size_t)n + 1) * sizeof(Py_ssize_t));
    if (optional == NULL || order == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (Py_ssize_t l = 0; greedy && l < n; l++) {
        if (flow->line_info[l].writes) {
            Py_ssize_t b = n_writers++;
            while (b > 0 && (depth[order[b - 1]] < depth[l] || (depth[order[b - 1]] == depth[l] && order[b - 1] < l))) {
                order[b] = order[b - 1];
                b--;
            }
            order[b] = l;
        }
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        FlowLine *info = &flow->line_info[r];
        info->decode_start = n_decode;
        info->decode_count = 0;
        if (!info->reads) {
            continue;
        }
        const Bits *sets = out;
        if (greedy) {
            memset(optional, 0, (size_t)n);
            for (Py_ssize_t i = 0; i < n_writers; i++) {
                optional[order[i]] = 1;
                data_flow(flow, scratch, words, exit_line, optional);
                if (conflicts(flow, info, scratch, words, exit_line) > 0) {
                    optional[order[i]] = 0;
                }
            }
            data_flow(flow, scratch, words, exit_line, optional);
            sets = scratch;
            for (Py_ssize_t i = 0; i < n_writers; i++) {
                if (!optional[order[i]] && pairs_add(&pairs, (int)order[i], (int)r) < 0) {
                    goto error;
                }
            }
        }
        for (Py_ssize_t k = 0; k < info->in_count; k++) {
            Py_ssize_t p = source_node(flow, info, k, exit_line);
            /* The simple rule: the only line that can be written before
             * the arc from p is p itself (no scan, whatever the code's length).
             */
            Py_ssize_t first = simple ? p : 0, last = simple ? p : n;
            for (Py_ssize_t v = first; v <= last; v++) {
                if (!simple && !bit_has(&sets[p * words], v)) {
                    continue;
                }
                if (COV_RESERVE(flow->decode, n_decode, decode_alloc, 32) < 0) {
                    goto error;
                }
                flow->decode[n_decode].written = v == n ? exit_line : flow->min_line + (int)v;
                flow->decode[n_decode].key = flow->in_arcs[info->in_start + k];
                n_decode++;
                /* A cleanup location is never optional: what reaches it
                 * through its handler is not in the data flow.
                 */
                if (v < n && (!greedy || flow->line_info[v].has_cleanup) && pairs_add(&pairs, (int)v, (int)r) < 0) {
                    goto error;
                }
            }
        }
        info->decode_count = n_decode - info->decode_start;
    }
    if (flow->decode == NULL && (flow->decode = PyMem_Malloc(sizeof(FlowDecode))) == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    if (serve_readers(flow, &pairs) < 0) {
        goto error;
    }
    ret = RET_OK;
error:
    PyMem_Free(pairs.items);
    PyMem_Free(optional);
    PyMem_Free(order);
    return ret;
}

int
SysFlow_choose_writers(CodeFlow *flow, int exit_line)
{
    int ret = RET_ERROR;
    Py_ssize_t n = flow->n_lines;       /* node n is the entry */
    Py_ssize_t words = BITS_WORDS(n + 1);
    Bits *out = NULL;                   /* owned: (n + 1) sets of `words` */
    Bits *scratch = NULL;               /* owned: the same, for trying a writer */
    int *depth = NULL;                  /* owned: per line */

    /* An arc from a line outside the table, or code so long that the data
     * flow would cost more than it saves: every predecessor of a reader
     * writes (the simple rule).  Decided before anything is allocated: the
     * data flow's bit sets take (n + 1)^2 bits, too many for long code.
     */
    int simple = n > MAX_CHOSEN_LINES;
    for (Py_ssize_t i = 0; i < flow->n_arcs; i++) {
        int from = arc_from(flow->arcs[i]), to = arc_to(flow->arcs[i]);
        if (to != exit_line && to != from && from != exit_line && CodeFlow_Line(flow, from) == NULL) {
            simple = 1;
        }
    }
    if (!simple) {
        out = PyMem_Calloc((size_t)((n + 1) * words), sizeof(Bits));
        scratch = PyMem_Calloc((size_t)((n + 1) * words), sizeof(Bits));
        depth = PyMem_Calloc((size_t)n + 1, sizeof(int));
        if (out == NULL || scratch == NULL || depth == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        loop_depths(flow, exit_line, depth);
    }
    for (int round = 0; !simple; round++) {
        /* Conflicts at readers: one writer for each reader with one. */
        int added = 0;
        int fresh = 1;
        data_flow(flow, out, words, exit_line, NULL);
        for (Py_ssize_t l = 0; l < n; l++) {
            FlowLine *info = &flow->line_info[l];
            if (!info->reads) {
                continue;
            }
            if (!fresh) {
                data_flow(flow, out, words, exit_line, NULL);
                fresh = 1;
            }
            int here = 0;
            for (Py_ssize_t k = 1; k < info->in_count && !here; k++) {
                const Bits *b = &out[source_node(flow, info, k, exit_line) * words];
                for (Py_ssize_t j = 0; j < k && !here; j++) {
                    const Bits *a = &out[source_node(flow, info, j, exit_line) * words];
                    Py_ssize_t w = 0;
                    while (w < words && (a[w] & b[w]) == 0) {
                        w++;
                    }
                    if (w == words) {
                        continue;
                    }
                    Py_ssize_t pick = pick_writer(flow, info, j, k, depth, scratch, words, exit_line, out);
                    if (pick < 0) {
                        simple = 1;     /* cannot happen: every writer's set is its own */
                        break;
                    }
                    flow->line_info[pick].writes = 1;
                    added = here = 1;
                    fresh = 0;
                }
            }
            if (simple) {
                break;
            }
        }
        if (!added || simple) {
            break;
        }
        if (round >= MAX_ROUNDS) {
            simple = 1;
        }
    }
    if (simple) {
        for (Py_ssize_t l = 0; l < n; l++) {
            flow->line_info[l].writes = 0;
        }
        for (Py_ssize_t i = 0; i < flow->n_arcs; i++) {
            int from = arc_from(flow->arcs[i]), to = arc_to(flow->arcs[i]);
            const FlowLine *info = CodeFlow_Line(flow, to);
            FlowLine *source = (FlowLine *)CodeFlow_Line(flow, from);
            if (to != exit_line && to != from && info != NULL && info->reads && source != NULL) {
                source->writes = 1;
            }
        }
    }
    if (decode_tables(flow, exit_line, simple, out, scratch, words, depth) < 0) {
        goto error;
    }
    ret = RET_OK;
error:
    PyMem_Free(depth);
    PyMem_Free(scratch);
    PyMem_Free(out);
    return ret;
}

#endif
