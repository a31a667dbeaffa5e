/* traceback.c: traceback objects (one entry per frame the exception unwound), source lines for
 * them, and printing an exception exactly as CPython 3.11 does: the frames with their source
 * lines and ~~~^^^ caret lines (ported from Python/traceback.c and Lib/traceback.py), folding of
 * repeated lines, chained causes/contexts, notes, and SyntaxError's own format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abstract.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "file.h"
#include "int.h"
#include "interp/ast.h"
#include "list.h"
#include "module.h"
#include "str.h"
#include "tuple.h"

/* ---- traceback objects ------------------------------------------------------------------------ */

static void tb_dealloc(Value self) {
    mv_traceback *tb = (mv_traceback *)self;
    MV_XDECREF((Value)tb->next);
    MV_XDECREF((Value)tb->code);
    MV_XDECREF(tb->globals);
}

static Value tb_get_next(mv_thread *t, Value self) {
    mv_traceback *tb = (mv_traceback *)self;
    return mv_newref(tb->next ? (Value)tb->next : MV_NONE);
}
static Value tb_get_lineno(mv_thread *t, Value self) { return mv_int_from_i64(((mv_traceback *)self)->lineno); }
static Value tb_get_lasti(mv_thread *t, Value self) { return mv_int_from_i64(((mv_traceback *)self)->lasti * 2); }
static Value tb_get_code(mv_thread *t, Value self) { return mv_newref((Value)((mv_traceback *)self)->code); }

static const mv_getset_def tb_getsets[] = {
    {"tb_next", tb_get_next, NULL},
    {"tb_lineno", tb_get_lineno, NULL},
    {"tb_lasti", tb_get_lasti, NULL},
    {"tb_code", tb_get_code, NULL},
    {NULL, NULL, NULL},
};

mv_type mv_traceback_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "traceback",
    .basicsize = sizeof(mv_traceback),
    .base = &mv_object_type,
    .dealloc = tb_dealloc,
    .getsets = tb_getsets,
};

int mv_exc_add_traceback(mv_thread *t, Value exc, mv_frame *f) {
    if (!mv_exc_check(exc) || !f || !f->code) return 0;
    mv_exc *e = (mv_exc *)exc;
    mv_traceback *tb = (mv_traceback *)mv_object_new(&mv_traceback_type);
    tb->code = f->code;
    MV_INCREF((Value)f->code);
    tb->lasti = f->lasti;
    tb->globals = f->globals;
    MV_XINCREF(tb->globals);
    mv_code *co = f->code;
    if (co->positions && f->lasti >= 0 && (size_t)f->lasti < co->ncode) tb->lineno = co->positions[f->lasti].line;
    else tb->lineno = co->firstlineno;
    tb->next = (mv_traceback *)e->traceback; /* steal the old chain */
    e->traceback = (Value)tb;
    return 0;
}

/* ---- source lines -------------------------------------------------------------------------------- */

typedef struct {
    char *filename;
    char *data;
    size_t size;
    size_t *starts; /* byte offset of each line start */
    size_t nlines;
} src_cache_entry;

#define NCACHE 8
static src_cache_entry src_cache[NCACHE];
static int src_cache_next;

static src_cache_entry *load_source(const char *filename) {
    for (int i = 0; i < NCACHE; i++)
        if (src_cache[i].filename && strcmp(src_cache[i].filename, filename) == 0) return &src_cache[i];
    char *data = NULL;
    size_t size = 0;
    if (strncmp(filename, "<frozen ", 8) == 0) {
        size_t n = strlen(filename);
        for (const mv_embedded_module *e = mv_embedded_modules; e->name; e++) {
            if (strlen(e->name) == n - 9 && strncmp(e->name, filename + 8, n - 9) == 0) {
                data = mv_malloc(e->size + 1);
                memcpy(data, e->source, e->size);
                data[e->size] = 0;
                size = e->size;
                break;
            }
        }
    } else if (filename[0] != '<') {
        FILE *f = fopen(filename, "rb");
        if (f) {
            size_t cap = 16384;
            data = mv_malloc(cap);
            for (;;) {
                if (cap - size < 4096) data = mv_realloc(data, cap *= 2);
                size_t r = fread(data + size, 1, cap - size - 1, f);
                size += r;
                if (r == 0) break;
            }
            data[size] = 0;
            fclose(f);
        }
    }
    if (!data) return NULL;
    src_cache_entry *c = &src_cache[src_cache_next];
    src_cache_next = (src_cache_next + 1) % NCACHE;
    mv_free(c->filename);
    mv_free(c->data);
    mv_free(c->starts);
    c->filename = mv_malloc(strlen(filename) + 1);
    strcpy(c->filename, filename);
    c->data = data;
    c->size = size;
    size_t cap = 64, n = 0;
    c->starts = mv_malloc(cap * sizeof(size_t));
    c->starts[n++] = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n' && i + 1 < size) {
            if (n == cap) c->starts = mv_realloc(c->starts, (cap *= 2) * sizeof(size_t));
            c->starts[n++] = i + 1;
        }
    }
    c->nlines = n;
    return c;
}

/* Line `line` (1-based) without its newline, as a malloc'd C string, or NULL. */
static char *source_line_cstr(const char *filename, int line) {
    src_cache_entry *c = load_source(filename);
    if (!c || line < 1 || (size_t)line > c->nlines) return NULL;
    size_t s = c->starts[line - 1];
    size_t e = s;
    while (e < c->size && c->data[e] != '\n') e++;
    if (e > s && c->data[e - 1] == '\r') e--;
    char *r = mv_malloc(e - s + 1);
    memcpy(r, c->data + s, e - s);
    r[e - s] = 0;
    return r;
}

Value mv_source_line(mv_thread *t, Value filename, int line) {
    if (!filename || !mv_str_check(filename)) return NULL;
    char *s = source_line_cstr(mv_str_data(filename), line);
    if (!s) return NULL;
    Value r = mv_str_decode_utf8(t, s, strlen(s), "replace");
    mv_free(s);
    if (!r) mv_err_clear(t);
    return r;
}

/* ---- caret lines ------------------------------------------------------------------------------- */

static size_t char_offset(const char *s, size_t byte_off) {
    size_t n = 0;
    for (size_t i = 0; i < byte_off && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

static size_t utf8_len(const char *s) {
    return char_offset(s, strlen(s));
}

static bool is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r' || c == '\v';
}

/* Parse the segment of the line covered by the instruction; for a binary operation or a
   subscript, find the operator (resp. the brackets) as CPython 3.11's extract_anchors_from_line.
   Offsets returned are character offsets into the segment. */
static bool extract_anchors(mv_thread *t, const char *seg, size_t seglen, size_t *left, size_t *right) {
    Value saved = mv_err_fetch(t);
    bool ok = false;
    mv_ast_arena *arena = mv_ast_arena_new();
    mv_module_ast *mod = mv_parse(t, arena, seg, seglen, "<string>", MV_COMPILE_EXEC);
    if (!mod) {
        mv_err_clear(t);
    } else if (MV_SEQ_LEN(mod->body) == 1) {
        mv_stmt *st = MV_SEQ_GET(mod->body, 0);
        if (st->kind == S_EXPR) {
            mv_expr *e = st->u.expr.value;
            if (e->kind == E_BINOP) {
                int lend = e->u.binop.left->span.end_col_offset;
                int rstart = e->u.binop.right->span.col_offset;
                for (int i = lend; i < rstart && (size_t)i < seglen; i++) {
                    if (is_ws(seg[i]) && seg[i] != '\n') continue;
                    if (seg[i] == '\\' || seg[i] == '\n') continue;
                    size_t la = (size_t)i, ra = (size_t)i + 1;
                    if (i + 1 < rstart && !is_ws(seg[i + 1])) ra++;
                    *left = char_offset(seg, la);
                    *right = char_offset(seg, ra);
                    ok = true;
                    break;
                }
            } else if (e->kind == E_SUBSCRIPT) {
                *left = char_offset(seg, (size_t)e->u.subscript.value->span.end_col_offset);
                *right = char_offset(seg, (size_t)e->u.subscript.slice->span.end_col_offset + 1);
                ok = true;
            }
        }
    }
    mv_ast_arena_free(arena);
    if (saved) mv_err_restore(t, saved);
    return ok;
}

/* One frame: '  File "f", line N, in name', the stripped source line, and the caret line. */
static void format_frame(mv_thread *t, mv_strbuf *b, mv_traceback *tb) {
    mv_code *co = tb->code;
    const char *filename = co->filename && mv_str_check(co->filename) ? mv_str_data(co->filename) : "???";
    const char *name = co->name && mv_str_check(co->name) ? mv_str_data(co->name) : "???";
    mv_strbuf_addf(b, "  File \"%s\", line %d, in %s\n", filename, tb->lineno, name);
    char *line = source_line_cstr(filename, tb->lineno);
    if (!line) return;
    size_t lead = 0;
    while (line[lead] == ' ' || line[lead] == '\t' || line[lead] == '\f') lead++;
    size_t end = strlen(line);
    while (end > lead && is_ws(line[end - 1])) end--;
    if (end == lead) {
        mv_free(line);
        return;
    }
    mv_strbuf_adds(b, "    ");
    mv_strbuf_add(b, line + lead, end - lead);
    mv_strbuf_addc(b, '\n');

    unsigned resumable = MV_CO_GENERATOR | MV_CO_COROUTINE | MV_CO_ASYNC_GENERATOR;
    if (tb->lasti < 0 && !(co->flags & (MV_CO_MODULE | resumable))) {
        /* stopped at a function's entry (its check point): CPython stops at RESUME there, whose
           columns 0-0 print as an empty caret line (a generator thrown into before it started
           shows none) */
        mv_strbuf_adds(b, "    \n");
        mv_free(line);
        return;
    }
    mv_position *pos = co->positions && tb->lasti >= 0 && (size_t)tb->lasti < co->ncode ? &co->positions[tb->lasti] : NULL;
    if (!pos || pos->col < 0 || pos->end_col < 0 || pos->line < 0 || pos->end_line < 0 || pos->line != tb->lineno) {
        mv_free(line);
        return;
    }
    size_t linelen = strlen(line);
    size_t cb = (size_t)pos->col, ceb = (size_t)pos->end_col;
    if (cb > linelen) cb = linelen;
    size_t start_off = char_offset(line, cb);
    size_t end_off;
    size_t stripped_chars = char_offset(line, lead);
    size_t stripped_len = char_offset(line + lead, end - lead);
    bool anchors = false;
    size_t left_end = 0, right_start = 0; /* absolute character offsets */
    if (pos->end_line == pos->line) {
        if (ceb > linelen) ceb = linelen;
        end_off = char_offset(line, ceb);
        if (ceb > cb) {
            size_t la, ra;
            if (extract_anchors(t, line + cb, ceb - cb, &la, &ra)) {
                anchors = true;
                left_end = start_off + la;
                right_start = start_off + ra;
            }
        }
    } else {
        end_off = stripped_chars + stripped_len;
    }
    if (end_off - start_off == stripped_len && !anchors) {
        mv_free(line);
        return;
    }
    if (end_off <= start_off) {
        mv_free(line);
        return;
    }
    mv_strbuf_adds(b, "    ");
    for (size_t off = stripped_chars + 1; off <= end_off; off++) {
        if (off <= start_off) mv_strbuf_addc(b, ' ');
        else if (anchors && left_end < off && off <= right_start) mv_strbuf_addc(b, '^');
        else mv_strbuf_addc(b, anchors ? '~' : '^');
    }
    mv_strbuf_addc(b, '\n');
    mv_free(line);
}

static void format_tb(mv_thread *t, mv_strbuf *b, mv_traceback *tb) {
    mv_strbuf_adds(b, "Traceback (most recent call last):\n");
    Value last_file = NULL, last_name = NULL;
    int last_line = -1, count = 0;
    for (; tb; tb = tb->next) {
        Value fn = tb->code->filename, nm = tb->code->name;
        if (!last_file || !mv_str_eq(last_file, fn) || last_line != tb->lineno || !mv_str_eq(last_name, nm)) {
            if (count > 3) {
                count -= 3;
                mv_strbuf_addf(b, "  [Previous line repeated %d more time%s]\n", count, count > 1 ? "s" : "");
            }
            last_file = fn;
            last_name = nm;
            last_line = tb->lineno;
            count = 0;
        }
        count++;
        if (count > 3) continue;
        format_frame(t, b, tb);
    }
    if (count > 3) {
        count -= 3;
        mv_strbuf_addf(b, "  [Previous line repeated %d more time%s]\n", count, count > 1 ? "s" : "");
    }
}

static Value exc_attr_pub(mv_thread *t, Value exc, const char *name);
static Value exc_attr(mv_thread *t, Value exc, const char *name) {
    mv_exc *e = (mv_exc *)exc;
    if (!e->dict) return NULL;
    return mv_dict_get_cstr(t, e->dict, name);
}

static Value exc_attr_pub(mv_thread *t, Value exc, const char *name) {
    Value v = exc_attr(t, exc, name);
    return v == MV_NONE ? NULL : v;
}

/* "mymod.MyError" for user types outside builtins and __main__, else the qualified name */
static void add_type_name(mv_thread *t, mv_strbuf *b, mv_type *tp) {
    Value mod = tp->module;
    if ((tp->flags & MV_TPFLAG_HEAPTYPE) && tp->dict) {
        Value m = mv_dict_get_cstr(t, tp->dict, "__module__");
        if (m) mod = m;
        else mv_err_clear(t);
    }
    if (mod && mv_str_check(mod) && !mv_str_eq_cstr(mod, "builtins") && !mv_str_eq_cstr(mod, "__main__")) {
        mv_strbuf_add(b, mv_str_data(mod), mv_str_size(mod));
        mv_strbuf_addc(b, '.');
    }
    if (tp->qualname && mv_str_check(tp->qualname)) mv_strbuf_add(b, mv_str_data(tp->qualname), mv_str_size(tp->qualname));
    else mv_strbuf_adds(b, tp->name);
}

static void format_syntax_error(mv_thread *t, mv_strbuf *b, Value exc) {
    Value fn = exc_attr(t, exc, "filename"), ln = exc_attr(t, exc, "lineno");
    Value text = exc_attr(t, exc, "text"), off = exc_attr(t, exc, "offset");
    Value eoff = exc_attr(t, exc, "end_offset");
    if (ln && mv_int_check(ln) && ln != MV_NONE) {
        mv_strbuf_adds(b, "  File \"");
        if (fn && mv_str_check(fn)) mv_strbuf_add(b, mv_str_data(fn), mv_str_size(fn));
        else mv_strbuf_adds(b, "<string>");
        mv_strbuf_addf(b, "\", line %ld\n", MV_IS_SMALL(ln) ? (long)MV_SMALL_VAL(ln) : 0L);
    }
    if (text && mv_str_check(text)) {
        /* Python/pythonrun.c's print_error_text (3.11), which differs from Lib/traceback.py */
        const char *full = mv_str_data(text);
        size_t fullchars = mv_str_len(text);
        const char *s = full;
        int64_t offset = off && MV_IS_SMALL(off) ? MV_SMALL_VAL(off) : -1;
        int64_t off0 = offset - 1;
        while (*s == ' ' || *s == '\t' || *s == '\f') {
            s++;
            off0--;
        }
        int64_t len = (int64_t)utf8_len(s);
        size_t slen = strlen(s);
        if (len > 0 && s[slen - 1] == '\n') len--;
        if (off0 > len) off0 = len;
        for (;;) {
            const char *nl = strchr(s, '\n');
            if (!nl) break;
            int64_t inl = (int64_t)char_offset(s, (size_t)(nl - s));
            if (inl >= off0) break;
            inl += 1;
            s = nl + 1;
            len -= inl;
            off0 -= inl;
        }
        mv_strbuf_adds(b, "    ");
        mv_strbuf_adds(b, s);
        slen = strlen(s);
        if (slen == 0 || s[slen - 1] != '\n') mv_strbuf_addc(b, '\n');
        if (off && MV_IS_SMALL(off) && off0 >= 0) {
            int64_t reps = 1;
            Value eln = exc_attr(t, exc, "end_lineno");
            if (!mv_isinstance_of(exc, &mv_exc_IndentationError) && eoff && MV_IS_SMALL(eoff)) {
                int64_t end_offset = MV_SMALL_VAL(eoff);
                if (eln && MV_IS_SMALL(eln) && ln && MV_IS_SMALL(ln) && MV_SMALL_VAL(eln) != MV_SMALL_VAL(ln)) {
                    int64_t n = (int64_t)fullchars;
                    if (n > 0 && full[mv_str_size(text) - 1] == '\n') n--;
                    end_offset = n + 1;
                } else if (end_offset > (int64_t)fullchars + 1) {
                    end_offset = (int64_t)fullchars + 1;
                }
                if (end_offset > offset) reps = end_offset - offset;
            }
            mv_strbuf_adds(b, "    ");
            for (int64_t k = 0; k < off0; k++) mv_strbuf_addc(b, ' ');
            for (int64_t k = 0; k < reps; k++) mv_strbuf_addc(b, '^');
            mv_strbuf_addc(b, '\n');
        }
    }
}

/* ---- "Did you mean" (Python/suggestions.c, 3.11) ------------------------------------------ */

#define MAX_CANDIDATE_ITEMS 750
#define MAX_STRING_SIZE 40
#define MOVE_COST 2
#define CASE_COST 1

static size_t substitution_cost(char a, char b) {
    if ((a & 31) != (b & 31)) return MOVE_COST;
    if (a == b) return 0;
    if ('A' <= a && a <= 'Z') a += ('a' - 'A');
    if ('A' <= b && b <= 'Z') b += ('a' - 'A');
    if (a == b) return CASE_COST;
    return MOVE_COST;
}

static size_t levenshtein(const char *a, size_t a_size, const char *b, size_t b_size, size_t max_cost) {
    size_t buffer[MAX_STRING_SIZE];
    if (a == b) return 0;
    while (a_size && b_size && a[0] == b[0]) {
        a++;
        b++;
        a_size--;
        b_size--;
    }
    while (a_size && b_size && a[a_size - 1] == b[b_size - 1]) {
        a_size--;
        b_size--;
    }
    if (a_size == 0 || b_size == 0) return (a_size + b_size) * MOVE_COST;
    if (a_size > MAX_STRING_SIZE || b_size > MAX_STRING_SIZE) return max_cost + 1;
    if (b_size < a_size) {
        const char *tp = a;
        a = b;
        b = tp;
        size_t ts = a_size;
        a_size = b_size;
        b_size = ts;
    }
    if ((b_size - a_size) * MOVE_COST > max_cost) return max_cost + 1;
    size_t tmp = MOVE_COST;
    for (size_t i = 0; i < a_size; i++) {
        buffer[i] = tmp;
        tmp += MOVE_COST;
    }
    size_t result = 0;
    for (size_t bi = 0; bi < b_size; bi++) {
        char code = b[bi];
        size_t distance = result = bi * MOVE_COST;
        size_t minimum = SIZE_MAX;
        for (size_t i = 0; i < a_size; i++) {
            size_t substitute = distance + substitution_cost(code, a[i]);
            distance = buffer[i];
            size_t insert_delete = (result < distance ? result : distance) + MOVE_COST;
            result = insert_delete < substitute ? insert_delete : substitute;
            buffer[i] = result;
            if (result < minimum) minimum = result;
        }
        if (minimum > max_cost) return max_cost + 1;
    }
    return result;
}

/* candidates: array of str Values; returns a borrowed candidate or NULL */
static Value best_suggestion(Value *items, size_t n, Value name) {
    if (n >= MAX_CANDIDATE_ITEMS) return NULL;
    size_t best_dist = SIZE_MAX;
    Value best = NULL;
    const char *ns = mv_str_data(name);
    size_t nsz = mv_str_size(name);
    for (size_t i = 0; i < n; i++) {
        Value item = items[i];
        if (!mv_str_check(item)) continue;
        if (mv_str_eq(item, name)) continue;
        size_t isz = mv_str_size(item);
        size_t max_distance = (nsz + isz + 3) * MOVE_COST / 6;
        if (best_dist - 1 < max_distance) max_distance = best_dist - 1;
        size_t d = levenshtein(ns, nsz, mv_str_data(item), isz, max_distance);
        if (d > max_distance) continue;
        if (!best || d < best_dist) {
            best = item;
            best_dist = d;
        }
    }
    return best;
}

static Value suggest_in_dict(Value d, Value name) {
    if (!d || !mv_dict_check(d)) return NULL;
    Value keys = mv_dict_keys_list(d);
    Value s = best_suggestion(mv_list_items(keys), mv_list_size(keys), name);
    if (s) MV_INCREF(s);
    MV_DECREF(keys);
    return s;
}

/* new ref or NULL; never leaves an exception set */
static Value compute_suggestion(mv_thread *t, Value exc) {
    Value name = exc_attr_pub(t, exc, "name");
    if (!name || !mv_str_check(name)) return NULL;
    mv_exc *e = (mv_exc *)exc;
    if (mv_isinstance_of(exc, &mv_exc_NameError)) {
        mv_traceback *tb = (mv_traceback *)e->traceback;
        if (!tb) return NULL;
        while (tb->next) tb = tb->next;
        Value vn = tb->code->varnames;
        if (vn && mv_tuple_check(vn)) {
            Value s = best_suggestion(mv_tuple_items(vn), mv_tuple_size(vn), name);
            if (s) return mv_newref(s);
        }
        Value s = suggest_in_dict(tb->globals, name);
        if (s) return s;
        return suggest_in_dict(t->vm->builtins, name);
    }
    if (mv_isinstance_of(exc, &mv_exc_AttributeError)) {
        Value obj = exc_attr_pub(t, exc, "obj");
        if (!obj) return NULL;
        Value dirf = mv_dict_get_cstr(t, t->vm->builtins, "dir");
        if (!dirf) return NULL;
        Value lst = mv_call1(t, dirf, obj);
        if (!lst || !mv_list_check(lst)) {
            MV_XDECREF(lst);
            mv_err_clear(t);
            return NULL;
        }
        Value s = best_suggestion(mv_list_items(lst), mv_list_size(lst), name);
        if (s) MV_INCREF(s);
        MV_DECREF(lst);
        return s;
    }
    return NULL;
}

static void format_exception_only(mv_thread *t, mv_strbuf *b, Value exc) {
    mv_type *tp = MV_TYPE(exc);
    bool syntax = mv_isinstance_of(exc, &mv_exc_SyntaxError);
    if (syntax) {
        format_syntax_error(t, b, exc);
        add_type_name(t, b, tp);
        Value msg = exc_attr(t, exc, "msg");
        Value fn = exc_attr(t, exc, "filename"), ln = exc_attr(t, exc, "lineno");
        mv_strbuf_adds(b, ": ");
        if (msg && msg != MV_NONE) {
            if (mv_strbuf_add_value_str(t, b, msg) < 0) mv_err_clear(t);
        } else {
            mv_strbuf_adds(b, "<no detail available>");
        }
        if ((!ln || ln == MV_NONE) && fn && mv_str_check(fn)) mv_strbuf_addf(b, " (%s)", mv_str_data(fn));
        mv_strbuf_addc(b, '\n');
    } else {
        add_type_name(t, b, tp);
        Value s = mv_str(t, exc);
        if (!s) {
            mv_err_clear(t);
            mv_strbuf_adds(b, ": <exception str() failed>\n");
        } else {
            if (mv_str_size(s)) {
                mv_strbuf_adds(b, ": ");
                mv_strbuf_add(b, mv_str_data(s), mv_str_size(s));
            }
            Value sugg = compute_suggestion(t, exc);
            if (sugg) {
                mv_strbuf_addf(b, ". Did you mean: '%s'?", mv_str_data(sugg));
                MV_DECREF(sugg);
            }
            if (mv_err_occurred(t)) mv_err_clear(t);
            mv_strbuf_addc(b, '\n');
            MV_DECREF(s);
        }
    }
    Value notes = exc_attr(t, exc, "__notes__");
    if (notes) {
        if (mv_list_check(notes) || mv_tuple_check(notes)) {
            size_t n = mv_list_check(notes) ? mv_list_size(notes) : mv_tuple_size(notes);
            Value *items = mv_list_check(notes) ? mv_list_items(notes) : mv_tuple_items(notes);
            for (size_t i = 0; i < n; i++) {
                Value s = mv_str_check(items[i]) ? mv_newref(items[i]) : mv_str(t, items[i]);
                if (!s) {
                    mv_err_clear(t);
                    mv_strbuf_adds(b, "<note str() failed>\n");
                    continue;
                }
                mv_strbuf_add(b, mv_str_data(s), mv_str_size(s));
                mv_strbuf_addc(b, '\n');
                MV_DECREF(s);
            }
        } else {
            Value r = mv_repr(t, notes);
            if (!r) {
                mv_err_clear(t);
                mv_strbuf_adds(b, "<__notes__ repr() failed>\n");
            } else {
                mv_strbuf_add(b, mv_str_data(r), mv_str_size(r));
                mv_strbuf_addc(b, '\n');
                MV_DECREF(r);
            }
        }
    }
}

#define MAX_SEEN 100

static void format_recursive(mv_thread *t, mv_strbuf *b, Value exc, Value *seen, int *nseen) {
    if (*nseen < MAX_SEEN) seen[(*nseen)++] = exc;
    mv_exc *e = (mv_exc *)exc;
    Value chained = NULL;
    const char *msg = NULL;
    if (e->cause && mv_exc_check(e->cause)) {
        chained = e->cause;
        msg = "\nThe above exception was the direct cause of the following exception:\n\n";
    } else if (e->context && mv_exc_check(e->context) && !e->suppress_context) {
        chained = e->context;
        msg = "\nDuring handling of the above exception, another exception occurred:\n\n";
    }
    if (chained) {
        bool was_seen = false;
        for (int i = 0; i < *nseen; i++)
            if (seen[i] == chained) was_seen = true;
        if (!was_seen) {
            format_recursive(t, b, chained, seen, nseen);
            mv_strbuf_adds(b, msg);
        }
    }
    if (e->traceback) format_tb(t, b, (mv_traceback *)e->traceback);
    format_exception_only(t, b, exc);
}

void mv_err_print_exception(mv_thread *t, Value exc) {
    mv_file_flush_all(t);
    mv_strbuf b;
    mv_strbuf_init(&b);
    if (!mv_exc_check(exc)) {
        mv_strbuf_adds(&b, "TypeError: print_exception(): Exception expected for value, ");
        mv_strbuf_adds(&b, mv_type_name(exc));
        mv_strbuf_adds(&b, " found\n");
    } else {
        Value seen[MAX_SEEN];
        int nseen = 0;
        Value saved = mv_err_fetch(t);
        format_recursive(t, &b, exc, seen, &nseen);
        if (saved) mv_err_restore(t, saved);
    }
    /* stderr is unbuffered: write straight to fd 2 so nothing reorders the traceback */
    const char *p = b.buf;
    size_t n = b.len;
    while (n > 0) {
        ssize_t w = write(2, p, n);
        if (w <= 0) break;
        p += w;
        n -= (size_t)w;
    }
    mv_strbuf_free(&b);
}

void mv_err_write_unraisable(mv_thread *t, const char *msg, Value obj) {
    Value exc = mv_err_fetch(t);
    Value rep = obj ? mv_repr(t, obj) : NULL;
    if (obj && !rep) mv_err_clear(t);
    mv_file_flush_all(t);
    fprintf(stderr, "%s%s%s\n", msg, obj ? " " : "", !obj ? "" : rep ? mv_str_data(rep) : "<object repr() failed>");
    fflush(stderr);
    MV_XDECREF(rep);
    if (exc) mv_err_print_exception(t, exc);
    MV_XDECREF(exc);
}
